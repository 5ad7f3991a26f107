import {
  ConfidentialityRequiredError,
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  InvalidDNSyntaxError,
  NoSuchObjectError,
  ResultCodeError,
  UnwillingToPerformError,
} from 'ldapts';
import type { ErrorCode } from '../../common/errors';
import { HelpdeskError } from '../../domain/errors';

export type LdapPhase = 'connect' | 'service-bind' | 'operator-bind' | 'search' | 'read' | 'write' | 'write-password';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const NET_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EADDRNOTAVAIL']);

function nodeCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for errors that mean the TCP/TLS connection went away (worth one reconnect). */
export function isConnectionLoss(err: unknown): boolean {
  if (err instanceof ResultCodeError) return false;
  const code = nodeCode(err);
  if (code && NET_CODES.has(code)) return true;
  const msg = err instanceof Error ? err.message : '';
  return /^(Socket error|Connection closed before message response|Socket connection not established)/u.test(msg);
}

function isTlsError(err: unknown): boolean {
  const code = nodeCode(err) ?? '';
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/u.test(code)) return true;
  if (code === 'EPROTO') return true;
  const msg = err instanceof Error ? err.message : '';
  return /certificate|self[- ]signed|TLS|SSL/iu.test(msg) && !(err instanceof ResultCodeError);
}

/**
 * Maps an ldapts or socket error to a contract error naming the cause. The detail carries a result
 * name or a system error code — never the message text, which may echo a DN or filter value.
 */
export function toHelpdeskError(err: unknown, phase: LdapPhase): HelpdeskError {
  if (err instanceof HelpdeskError) return err;
  const make = (code: ErrorCode, detail?: string) =>
    new HelpdeskError(code, detail === undefined ? { cause: err } : { detail, cause: err });
  if (err instanceof InvalidCredentialsError) {
    // An operator's refused sign-in says nothing more than an unknown user's would (no enumeration, no raw id on screen).
    return phase === 'operator-bind' ? make('INVALID_CREDENTIALS') : make('DIRECTORY_BIND', 'invalidCredentials');
  }
  if (err instanceof NoSuchObjectError) {
    return make(phase === 'read' ? 'ACCOUNT_NOT_FOUND' : 'DIRECTORY_BASE_DN', 'noSuchObject');
  }
  // A DN the server cannot parse (a bad escape, an unknown attribute type) names no account.
  if (err instanceof InvalidDNSyntaxError && phase === 'read') return make('ACCOUNT_NOT_FOUND', 'invalidDNSyntax');
  if (err instanceof ResultCodeError && (phase === 'write' || phase === 'write-password')) {
    const mapped = writeError(err, phase === 'write-password');
    if (mapped) return new HelpdeskError(mapped.code, { detail: mapped.detail, ...(mapped.reason ? { reason: mapped.reason } : {}), cause: err });
  }
  if (err instanceof ResultCodeError) {
    const name = err.constructor.name.replace(/Error$/u, '');
    if (name === 'TLSNotSupported' || name === 'ConfidentialityRequired' || name === 'StrongAuthRequired') {
      return make('DIRECTORY_TLS', name);
    }
    if (phase === 'service-bind') return make('DIRECTORY_BIND', name);
    return make('DIRECTORY_ERROR', `${name} (${err.code})`);
  }
  const code = nodeCode(err);
  const msg = err instanceof Error ? err.message : '';
  if (code && DNS_CODES.has(code)) return make('DIRECTORY_DNS', code);
  if (code === 'ETIMEDOUT' || /Connection timeout|Operation timed out/u.test(msg)) return make('DIRECTORY_TIMEOUT', code ?? 'timeout');
  if (isTlsError(err)) return make('DIRECTORY_TLS', code ?? 'tls');
  if (isConnectionLoss(err)) return make('DIRECTORY_UNREACHABLE', code ?? 'connection closed');
  return make('DIRECTORY_ERROR', code ?? (err instanceof Error ? err.name : 'unknown'));
}

/**
 * Refusals of a password or state write, named: ppolicy's constraint texts (OpenLDAP), AD's
 * 0000052D policy error, missing rights. The server's text is matched, never passed on.
 */
function writeError(err: ResultCodeError, password: boolean): { code: ErrorCode; reason?: string; detail: string } | null {
  const text = err.message;
  if (err instanceof InsufficientAccessError) return { code: 'ACTION_NOT_PERMITTED', detail: 'insufficientAccess' };
  // Policy refusals only mean "password rejected" for a password write.
  if (!password) return null;
  if (err instanceof ConstraintViolationError || /0000052D/u.test(text)) {
    const reason = /history/iu.test(text)
      ? 'history'
      : /too young/iu.test(text)
        ? 'too_young'
        : /too short/iu.test(text)
          ? 'too_short'
          : /quality/iu.test(text)
            ? 'quality'
            : /not being changed|same/iu.test(text)
              ? 'history'
              : 'policy';
    return { code: 'PASSWORD_REJECTED', reason, detail: /0000052D/u.test(text) ? '0000052D' : 'constraintViolation' };
  }
  if (err instanceof UnwillingToPerformError || err instanceof ConfidentialityRequiredError) {
    return { code: 'INSECURE_CONNECTION', detail: err.constructor.name.replace(/Error$/u, '') };
  }
  return null;
}
