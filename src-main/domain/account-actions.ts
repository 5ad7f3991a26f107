import type { DirectoryAccount } from './ports';

/** The account actions that write the directory directly (the contact change has its own flow). */
export type DirectAction = 'unlock' | 'reset' | 'reset-unlock';

export interface LockVerdict {
  /** Why the action may not run on this account now, or null. */
  refusal: 'administrative_lock' | 'not_locked' | null;
  /** The write ends the account's lock too (unlock; reset and unlock). */
  unlockToo: boolean;
  /** The write lifts an administrative lock (a supervisor, where the profile allows it). */
  liftAdmin: boolean;
}

/**
 * What an action may do with the account's lock. A lockout after failed logins an unlock ends. An
 * administrative lock (ppolicy 000001010000Z, AD disabled, Zimbra `locked`/`closed`) is the directory
 * administrators' decision: lifted only by whoever `mayLiftAdministrative` (a supervisor, where the profile
 * allows it, never on AD) and only by an unlock or a reset-and-unlock. A plain reset never ends one — on
 * OpenLDAP replacing the password deletes even the permanent lock — so it is refused whoever asks. Reset
 * and unlock on an account that is not locked is just a reset.
 */
export function lockVerdict(action: DirectAction, account: Pick<DirectoryAccount, 'locked' | 'disabled'>, mayLiftAdministrative: boolean): LockVerdict {
  const liftAdmin = account.disabled && mayLiftAdministrative && action !== 'reset';
  if (account.disabled && !liftAdmin) return { refusal: 'administrative_lock', unlockToo: false, liftAdmin: false };
  if (action === 'reset') return { refusal: null, unlockToo: false, liftAdmin: false };
  if (action === 'unlock' && !account.locked && !liftAdmin) return { refusal: 'not_locked', unlockToo: false, liftAdmin };
  return { refusal: null, unlockToo: account.locked || liftAdmin, liftAdmin };
}
