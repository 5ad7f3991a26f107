/** `0912345698` → `09*****98`: first two and last two digits, as the seeds show. */
export function maskPhone(national: string): string {
  if (national.length <= 4) return '*'.repeat(national.length);
  return `${national.slice(0, 2)}*****${national.slice(-2)}`;
}

/** `nguyenvana@tphcm.gov.vn` → `ng***@tphcm.gov.vn`. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  const local = address.slice(0, at);
  return `${local.slice(0, Math.min(2, local.length - 1) || 1)}***${address.slice(at)}`;
}

/** `079088001234` → `********1234`: identifiers keep their last four digits. */
export function maskIdentifier(value: string): string {
  if (value.length <= 4) return '*'.repeat(value.length);
  return `${'*'.repeat(value.length - 4)}${value.slice(-4)}`;
}
