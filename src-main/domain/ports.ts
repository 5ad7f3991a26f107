import type { AuditAction, AuditChainReport, AuditEntry, AuditHead, AuditPage, AuditPurgeResult, OperatorInfo } from '../common/dto';
import type { ResolvedAuditFilter } from './audit-filter';
import type { Role } from '../common/roles';
import type { DirectorySettings } from '../common/settings';
import type { Case } from './case';
import type { SearchCriterion } from './search-query';

/** Time, injected so rules can be tested at 4:59 and 5:00. */
export interface Clock {
  now(): Date;
}

/** Password policy as the directory states it (seconds; null = not set). */
export interface DirectoryPolicy {
  maxAgeSeconds: number | null;
  expireWarningSeconds: number | null;
  lockoutDurationSeconds: number | null;
  maxFailures: number | null;
  /**
   * Whether the directory holds a user to "must change at next login" (OpenLDAP: the policy's
   * `pwdMustChange: TRUE`; without it ppolicy stores pwdReset but lets the user keep the temporary
   * password). Null where the directory does not make it a policy choice (AD, Zimbra) or it is unknown.
   */
  mustChangeEnforced: boolean | null;
}

/** An account as read from the directory, before masking: adapters fill it, the domain judges it. */
export interface DirectoryAccount {
  dn: string;
  /**
   * The entry's permanent id (entryUUID, AD objectGUID, zimbraId) when the directory gives one: limits
   * and counters are keyed by it so that a renamed or moved entry keeps them. Null: the DN is the key.
   */
  stableId: string | null;
  username: string;
  displayName: string;
  unit: string | null;
  title: string | null;
  mail: string | null;
  accountType: string | null;
  mobiles: string[];
  backupEmails: string[];
  citizenId: string | null;
  taxCode: string | null;
  socialInsuranceCode: string | null;
  /** Locked after failed logins (ends by policy or when an operator unlocks). */
  locked: boolean;
  lockedAt: Date | null;
  /** Locked by an administrator with no end (ppolicy `000001010000Z`, AD/Zimbra disabled). */
  disabled: boolean;
  failureCount: number;
  mustChangePassword: boolean;
  passwordChangedAt: Date | null;
  /** Absolute expiry when the directory states it (AD); otherwise computed from the policy. */
  passwordExpiresAt: Date | null;
  policy: DirectoryPolicy | null;
}

export interface DirectorySearchResult {
  accounts: DirectoryAccount[];
  total: number;
  totalIsLowerBound: boolean;
  /**
   * True when the directory's own limits (size, time, administrative) ended the search: the accounts
   * are among those it gave before; others may match (`totalIsLowerBound` is then true as well).
   */
  limitedByDirectory?: boolean;
}

/** The account directory (LDAP): the only way the app reads accounts or checks an operator's password. */
export interface Directory {
  /**
   * Checks an operator's own credentials and reads their roles from the profile's role groups;
   * throws INVALID_CREDENTIALS without saying which part was wrong.
   */
  authenticate(username: string, password: string): Promise<OperatorInfo>;
  search(criteria: SearchCriterion[], limit: number): Promise<DirectorySearchResult>;
  getAccount(dn: string): Promise<DirectoryAccount>;
  /**
   * Ends a lockout without touching the password. An administrative lock is lifted only with
   * `allowAdministrative` (the caller decided so); one found without it stops the write (state_changed).
   */
  unlock(dn: string, options?: { allowAdministrative?: boolean }): Promise<WriteResult>;
  /**
   * Sets a temporary password and must-change-at-next-login, in one modify where the dialect allows it.
   * With `unlock`, the same modify also ends the lockout read just before (reset and unlock in one step).
   */
  resetPassword(dn: string, password: string, options?: { unlock?: boolean; allowAdministrative?: boolean }): Promise<WriteResult>;
  /**
   * The roles an account holds by the profile's role groups (as a sign-in would give them), read with the
   * service account: the helpdesk's own staff are not taken over through the helpdesk.
   */
  rolesOfAccount(account: DirectoryAccount): Promise<Role[]>;
  /** Replaces the recovery mobile (national form) and/or backup e-mail. */
  updateContacts(dn: string, change: { mobile?: string; backupEmail?: string }): Promise<WriteResult>;
  /**
   * Reads every account under the base (user filter), a page at a time, for the dashboards: hands each
   * account to `visit` (nothing is kept), calls `onPage` after each page with the running count, and
   * stops with ABORTED as soon as `signal` is aborted. Resolves to the number of accounts read. The read
   * stays within the server's limits (split into smaller searches where they cut); where even that is
   * cut, `onPartial` is called and the accounts read are the answer (never an error).
   */
  scanAccounts(visit: (account: DirectoryAccount) => void, onPage: (scanned: number) => void, signal: AbortSignal, onPartial?: () => void): Promise<number>;
  /**
   * Reads what the search index holds of every account (`since` absent) or of those changed since a
   * change mark (modifyTimestamp on OpenLDAP/Zimbra, uSNChanged on AD), within the server's limits,
   * handing them to `visit` a batch at a time. With `idsOnly`, only DN and permanent id are read (the
   * sweep that finds deleted entries). Resolves to the count, whether a limit left part unread, and the
   * mark the next delta read starts from.
   */
  readForIndex(
    visit: (batch: IndexSource[]) => void | Promise<void>,
    options: { since?: string | null; idsOnly?: boolean; signal?: AbortSignal },
  ): Promise<{ read: number; partial: boolean; mark: string | null }>;
  /**
   * Reads the accounts the index named, now, from the directory (by permanent id, else by DN), in one
   * round trip where it can: an entry the directory no longer has is simply absent from the answer.
   */
  readAccounts(refs: readonly { dn: string; stableId: string | null }[]): Promise<DirectoryAccount[]>;
  close(): Promise<void>;
}

/** What the directory gives the search index of one account (before folding and normalising). */
export interface IndexSource {
  dn: string;
  stableId: string | null;
  username: string;
  displayName: string;
  unit: string | null;
  mails: string[];
  mobiles: string[];
  citizenId: string | null;
  taxCode: string | null;
  socialInsuranceCode: string | null;
}

/** One account as the search index keeps it (built by `indexRecordOf`: folded, normalised). */
export interface IndexRecord {
  /** The permanent id, or `dn:` + the DN's key when the directory gives none. */
  key: string;
  dn: string;
  stableId: string | null;
  displayName: string;
  unit: string | null;
  /** Folded, lower-cased name words. */
  words: string[];
  /** Lower-cased name words as written (with their diacritics). */
  written: string[];
  /** Exact lookups: username, e-mail (mail and backup), mobile (national), CCCD, tax code, BHXH. */
  values: { kind: IndexValueKind; value: string }[];
}

export type IndexValueKind = 'username' | 'email' | 'phone' | 'citizenId' | 'taxCode' | 'socialInsurance';

/** The index's own clock: when it was built from a full read, when a delta last brought it up to date. */
export interface IndexState {
  builtAt: Date;
  refreshedAt: Date;
  /** Accounts held. */
  accounts: number;
  /** The change mark the next delta read starts from. */
  mark: string | null;
  /** The full read that built it was cut by the directory's limits. */
  partial: boolean;
  /** The last sweep (every id read, the deleted ones removed); the build counts as one. */
  sweptAt: Date;
}

/** A hit of the index, in rank order (see `nameTier`). */
export interface IndexHit {
  key: string;
  dn: string;
  stableId: string | null;
  tier: number;
}

/** A search the index answered: the first hits in rank order and the true number of matches. */
export interface IndexAnswer {
  hits: IndexHit[];
  total: number;
}

/**
 * The search index of one directory: a copy of what search needs, never the authority — every hit is
 * read again from the directory before it is shown. On one workstation a SQLite FTS5 file in its data
 * folder; in team mode one index in the team store for every workstation of the team.
 */
export interface SearchIndex {
  state(): Promise<IndexState | null>;
  /**
   * Runs `job` holding the right to write the index: one workstation of a team at a time (a team's
   * index is written by whoever holds it; the others find it fresh). `ran: false` — another holds it now.
   */
  exclusive<T>(job: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  /** A fresh build: what it does not add is gone once `finish` is called; `abandon` changes nothing the build had not. */
  startBuild(): Promise<IndexBuild>;
  /** A delta: the records changed since the mark, written in place (a renamed entry keeps its key). */
  upsert(records: IndexRecord[]): Promise<void>;
  remove(keys: readonly string[]): Promise<void>;
  /** Every key held (for the sweep that finds deleted entries). */
  keys(): Promise<Set<string>>;
  /** Notes a finished delta: its new mark and time. */
  refreshed(mark: string | null, at: Date): Promise<void>;
  /** Notes a finished sweep. */
  swept(at: Date): Promise<void>;
  /** Answers the criteria, or null when the index cannot (the directory is asked instead). */
  search(criteria: SearchCriterion[], typed: string, limit: number): Promise<IndexAnswer | null>;
  close(): Promise<void>;
}

export interface IndexBuild {
  add(records: IndexRecord[]): Promise<void>;
  finish(mark: string | null, partial: boolean, at: Date): Promise<void>;
  abandon(): Promise<void>;
}

/**
 * What a write did. `unknown`: the connection dropped after the request was sent — the entry was read
 * again and `account` shows what the directory holds now ("không xác định — hãy kiểm tra").
 */
export interface WriteResult {
  outcome: 'done' | 'unknown';
  account: DirectoryAccount | null;
}

/** Builds a Directory for a profile; the service password comes from the SecretStore. */
export type DirectoryFactory = (settings: DirectorySettings, servicePassword: string) => Directory;

/** The OS keychain. No plaintext fallback: when unavailable, calls throw SECRET_STORE_UNAVAILABLE. */
export interface SecretStore {
  available(): Promise<boolean>;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** One SMS for a relay. `to` is the gateway form `84912345678`; `requestId` makes a retry idempotent. */
export interface SmsMessage {
  to: string;
  text: string;
  requestId: string;
}

/** One e-mail for a relay (Vietnamese text and HTML bodies). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  requestId: string;
}

/** What a relay knows after a send: the gateway ACCEPTED it ("Đã gửi") — never that it was delivered. */
export interface RelayReceipt {
  /** The gateway's or server's message id, when it gives one. */
  messageId: string | null;
}

/**
 * An SMS gateway. `send` resolves once the gateway accepted the message, or throws a HelpdeskError
 * with a RELAY_* code naming the cause (detail: the gateway's own code, never the text or a key).
 */
export interface SmsRelay {
  readonly provider: string;
  send(message: SmsMessage): Promise<RelayReceipt>;
  close(): Promise<void>;
}

/** An SMTP relay, same contract as SmsRelay. */
export interface MailRelay {
  send(message: MailMessage): Promise<RelayReceipt>;
  close(): Promise<void>;
}

export interface AuditRecord {
  operator: string | null;
  action: AuditAction;
  outcome: 'ok' | 'error' | 'refused';
  target?: string | null;
  /** The unit (đơn vị) of the account the row is about, for per-unit reports. */
  unit?: string | null;
  detail?: Record<string, string | number | boolean | null>;
}

/**
 * Append-only record of who did what. Never given an OTP, a password or a token. Asynchronous: the
 * workstation's SQLite answers at once, the team's PostgreSQL over the network.
 */
export interface AuditLog {
  /** Durable once it resolves; rejects when the record cannot be written (the action must not go on). */
  append(record: AuditRecord): Promise<void>;
  recent(limit: number): Promise<AuditEntry[]>;
  /** The last row's seq and hash: printed or exported, it makes a shortened chain visible. */
  head(): Promise<AuditHead | null>;
  /** Walks the whole chain; with an exported head, also checks nothing was cut from the end. */
  verify(expectedHead?: AuditHead): Promise<AuditChainReport>;
  /** Rows matching the filter, newest first, below `before` (keyset paging). */
  query(filter: ResolvedAuditFilter, before: number | null, limit: number): Promise<AuditPage>;
  /** Every row of one case, oldest first. */
  timeline(caseId: string): Promise<AuditEntry[]>;
  /**
   * Every row matching the filter, oldest first, a batch at a time (exports, tallies): asynchronous per
   * batch, not per row, so 100,000 rows cost a few dozen awaits.
   */
  scan(filter: ResolvedAuditFilter): AsyncIterable<AuditEntry[]>;
  /** Retention: removes the rows written before the cutoff and records it in a checkpoint row of the chain. */
  purgeBefore(cutoffIso: string, operator: string, cutoffDay: string): Promise<AuditPurgeResult>;
}

/**
 * Where cases live: in memory on one workstation, in the team store for a hotline (a case opened on one
 * workstation is continued on another, handed to a supervisor, taken over). The rules about them are in
 * domain/case; the store keeps them, one action at a time.
 */
export interface CaseStore {
  /** A new case, with the row of its opening: both kept, or neither (the row's error). */
  insert(c: Case, opening: AuditRecord): Promise<void>;
  /** The case as stored now; null when there is no such case. */
  read(caseId: string): Promise<Case | null>;
  /**
   * One action at a time on a case, whichever workstation asks: gives `fn` the case (null: none), then
   * keeps what `fn` changed in it — also when `fn` throws (a refusal it recorded stays recorded).
   * CASE_BUSY while another action holds it.
   *
   * `closing`: the rows `fn` left to be written with the case as it ends (read once `fn` is done) — in
   * the same commit where the store can, else appended just before the case is kept. Rows that cannot be
   * written leave the case as it was before `fn` (never changed without its row), and their error is the
   * action's (unless `fn` threw its own).
   */
  exclusive<T>(caseId: string, fn: (c: Case | null, keep: CaseKeeper) => Promise<T>, closing?: AuditRecord[]): Promise<T>;
  /** The open cases on an account (presence). */
  openOn(accountKey: string): Promise<Case[]>;
  /** The open cases waiting for a supervisor: handed over, or waiting for a second approval. */
  waiting(): Promise<Case[]>;
  /** The open cases a user holds (to continue one on another workstation). */
  heldBy(holder: string): Promise<Case[]>;
}

/**
 * Inside an action (its lease kept): writes `row` and keeps `state` as the case now — in one commit where
 * the store can — before the action goes on (a reset's verification spent before the directory is written).
 * Throws when either cannot be written (CASE_BUSY: the lease was lost), and then the action must not go on.
 */
export type CaseKeeper = (state: Case, row: AuditRecord) => Promise<void>;

/** The team's published directory and relay profile as the store keeps it (the body is checked by whoever reads it). */
export interface PublishedProfile {
  version: number;
  body: unknown;
  publishedBy: string;
  publishedOn: string;
  publishedAt: Date;
  /** Its MAC checks with the team's key: published by a member, not changed in the database since. */
  authentic: boolean;
}

/** Where the team's profile is published (the team store). */
export interface TeamProfileStore {
  read(): Promise<PublishedProfile | null>;
  /** Stores a new version (the previous one + 1), authenticated with the team's key, and returns it. */
  publish(body: unknown, by: string): Promise<PublishedProfile>;
}

export type { AuditChainReport, AuditHead } from '../common/dto';
