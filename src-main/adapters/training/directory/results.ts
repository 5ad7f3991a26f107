

// Result codes (RFC 4511)

export const RC = {
  success: 0,
  protocolError: 2,
  sizeLimitExceeded: 4,
  noSuchAttribute: 16,
  typeOrValueExists: 20,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  unwillingToPerform: 53,
  other: 80,
} as const;

export interface Outcome {
  code: number;
  message: string;
  matchedDn?: string;
}

export const OK: Outcome = { code: RC.success, message: '' };

export function fail(code: number, message = ''): Outcome {
  return { code, message };
}
