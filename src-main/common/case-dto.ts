/** A call (case) as the contract gives it: its view, the override, the actions' results, the training Outbox. */
import type { AccountDetail, MaskedContact } from './dto';
import type { ErrorCode } from './errors';

export type VerificationChannel = 'sms' | 'email';

export type CaseStatus = 'open' | 'code-sent' | 'verified' | 'expired' | 'closed';

/**
 * The rules of a call in force, as the screen states them (decided in the domain: OtpPolicy and the
 * override's limit). The renderer and its translations never write these numbers themselves.
 */
export interface CallRules {
  /** A code, and the verification it gives, last this long. */
  validityMinutes: number;
  /** Wrong codes allowed for a code and for an account in a day. */
  maxWrong: number;
  /** Sends to an account at least this far apart. */
  minIntervalMinutes: number;
  /** Sends to an account per VN day. */
  maxPerDay: number;
  /** Wrong CCCD/CMND numbers for an account per VN day before overrides stop. */
  maxIdentityMismatches: number;
}

/** A call as the operator sees it: the account, the reason, where the verification stands. */
export interface CaseView {
  id: string;
  account: { id: string; username: string; displayName: string };
  /** Who opened the case. */
  operator: string;
  /** Who works on it now (the opener, or the supervisor who took it), and since when. */
  holder: string;
  holderSince: string;
  reason: string;
  openedAt: string;
  /** `expired`: a code was sent (or verified) and its 5 minutes have run out. */
  status: CaseStatus;
  outcome: 'done' | 'abandoned' | 'expired' | null;
  channel: VerificationChannel | null;
  /** Masked destination of the last code. */
  destination: string | null;
  sentAt: string | null;
  expiresAt: string | null;
  verifiedAt: string | null;
  /** Wrong entries left: the account's today (not reset by a resend), and no more than its current code has. */
  attemptsLeft: number;
  /** The code rules in force (the domain's OtpPolicy), for what the screen says: never numbers of its own. */
  policy: CallRules;
  /**
   * The next sends: when each channel may send again (null: now, as far as its spacing goes — the
   * spacing is per channel) and the sends left today, both channels counted together.
   */
  resend: { availableAt: Record<VerificationChannel, string | null>; remainingToday: number };
  /** The registered contacts the code can go to (masked), with why one is unusable. */
  channels: { sms: MaskedContact; email: MaskedContact };
  /** The SMS as it will be sent (code shown as ******), with its length and segment count. */
  smsPreview: { text: string; characters: number; segments: number; encoding: 'GSM-7' | 'UCS-2' };
  /** A contact change waiting for the code sent to the new value. */
  pendingContact: PendingContact | null;
  /** How the caller was verified: a code read back, or a supervisor's recorded identity check. */
  verifiedBy: 'code' | 'override' | null;
  /** The supervisor override, when there was one (the identity check, never the CCCD itself). */
  override: { check: IdentityCheck; supervisor: string; at: string } | null;
  /**
   * Where a temporary password would go (masked): the contact proven in this case — the one the
   * code was read back from, or a new contact saved with its own code. Null: no reset possible yet.
   */
  deliveryContact: { channel: VerificationChannel; destination: string } | null;
  /**
   * The verification was used: `reset` — by a password reset, a new code is needed before anything
   * else changes the account; `contact` — by a contact change, only a reset to the contact just proven
   * may follow. Null while it is unused.
   */
  verificationSpent: 'reset' | 'contact' | null;
  /**
   * The last code's relay timed out: the message may have reached the caller (its send counts). The
   * operator asks whether it arrived before sending another. Null when no code is pending.
   */
  codeDelivery: 'accepted' | 'unknown' | null;
  /** Handed to the supervisors ("Chuyển giám sát viên"), waiting for one of them to take it. */
  handOff: { by: string; at: string; note: string } | null;
  /** Four eyes: after an override, a new recovery contact (masked here) waits for a second supervisor's approval. */
  approval: {
    state: 'waiting' | 'approved';
    requestedBy: string;
    requestedAt: string;
    approvedBy: string | null;
    approvedAt: string | null;
    contact: { kind: 'mobile' | 'backupEmail'; destination: string };
  } | null;
}

/** A case in a list (the supervisors' queue, the cases one holds): enough to choose it, nothing secret. */
export interface CaseSummary extends Pick<CaseView, 'id' | 'account' | 'operator' | 'holder' | 'holderSince' | 'reason' | 'openedAt' | 'handOff'> {
  /** What it waits for: a supervisor to take it, a second supervisor's approval, or nothing. */
  waiting: 'supervisor' | 'approval' | null;
  approval: { requestedBy: string; requestedAt: string; contact: { kind: 'mobile' | 'backupEmail'; destination: string } } | null;
}

/** The identity check a supervisor records when overriding: CCCD compared with the directory, a document seen, an agency letter. */
export const IDENTITY_CHECKS = ['citizen-id', 'identity-document', 'agency-letter'] as const;
export type IdentityCheck = (typeof IDENTITY_CHECKS)[number];

export interface OverrideInput {
  caseId: string;
  check: IdentityCheck;
  /** `citizen-id` only: the 12-digit CCCD (or 9-digit CMND) the caller read or showed; compared, never stored. */
  citizenId?: string;
  /** What was checked and why the override is needed (e.g. "Mất SIM, chưa có thư dự phòng; CCCD khớp"). */
  note: string;
  /**
   * The directory holds a usable contact but the caller cannot reach it (lost SIM, mailbox closed):
   * the supervisor must say so explicitly; it is recorded. Without it, such a case is refused.
   */
  contactsUnreachable?: boolean;
}

/** A recovery contact being changed: the new value proves itself with its own code before it is saved. */
export interface PendingContact {
  kind: 'mobile' | 'backupEmail';
  /** Masked new value. */
  destination: string;
  expiresAt: string;
}

export interface VerifyResult {
  verified: boolean;
  attemptsLeft: number;
  case: CaseView;
}

/** What an account action did. The temporary password is never part of it. */
export interface ActionResult {
  action: 'unlock' | 'reset' | 'reset-unlock' | 'contact';
  /** `unknown`: the connection dropped after the write was sent — see `account` for what the directory holds now. */
  outcome: 'done' | 'unknown';
  account: AccountDetail | null;
  /** Reset only: where the temporary password went ("Đã gửi mật khẩu tạm thời tới 09*****98"). */
  delivery:
    | { status: 'sent'; channel: VerificationChannel; destination: string }
    | { status: 'failed'; channel: VerificationChannel; destination: string; code: ErrorCode }
    /** The relay timed out: the message may or may not have gone — ask the caller before resetting again. */
    | { status: 'unknown'; channel: VerificationChannel; destination: string; code: ErrorCode }
    | null;
  /** Contact change only: whether the previous contact was notified. */
  notice?: { status: 'sent' | 'failed' | 'none'; destination: string | null };
  /**
   * Reset only: the account was locked after failed logins before the write and, read again after it,
   * is not (OpenLDAP ppolicy ends a lockout when the password is replaced). Absent when it did not change.
   */
  lockoutEnded?: true;
  /**
   * False when the directory write was sent but the audit could not take the outcome row (a full disk,
   * STORAGE_FULL / STORAGE_ERROR): the result above stands as it is (`outcome`, `delivery`), and the
   * row written before the write (`account.write`) is the audit's record of it. Absent otherwise.
   */
  auditRecorded?: false;
}

export interface GateResult {
  allowed: true;
  expiresAt: string;
}

/** A message the training relays "sent": what the caller's phone or mailbox would show. */
export interface OutboxMessage {
  id: number;
  at: string;
  channel: VerificationChannel;
  to: string;
  subject: string | null;
  text: string;
  html: string | null;
  segments: number | null;
}
