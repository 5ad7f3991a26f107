import type { MaskedContact } from '../common/dto';
import { EMAIL_ADDRESS } from '../common/text-rules';
import { HelpdeskError } from './errors';
import { maskEmail, maskPhone } from './masking';
import { normalizeVnMobile } from './phone';
import type { DirectoryAccount } from './ports';

/**
 * Which recovery contacts count — the one rule for the account panel, the dashboards, where a code or a
 * temporary password may go, and which new contact may be saved: a Vietnamese mobile (not a landline, not
 * the old 11-digit form), or a backup e-mail that is an address and not the account's own mail.
 */

/** A contact a message can go to: `to` exact (gateway form for SMS), `masked` as shown. */
export interface Destination {
  to: string;
  masked: string;
}

export type ContactKind = 'mobile' | 'backupEmail';

export const isEmailAddress = (value: string): boolean => EMAIL_ADDRESS.test(value);

/** The account's usable mobiles, in the directory's order. */
export function usableMobiles(values: readonly string[]): Destination[] {
  return values.flatMap((v) => {
    const p = normalizeVnMobile(v);
    return p.ok ? [{ to: p.gateway, masked: maskPhone(p.national) }] : [];
  });
}

/**
 * The account's recovery mobiles from the directory's values: those of the mobile attribute; when none of
 * them is a usable mobile, also the usable mobiles of the fallback attributes (`telephoneNumber`), in
 * their order and without repeats — a landline there is not a mobile, and is neither shown nor counted.
 * Once a mobile is saved in the mobile attribute, the fallbacks are no longer read.
 */
export function recoveryMobiles(primary: readonly string[], fallbacks: readonly (readonly string[])[]): string[] {
  if (usableMobiles(primary).length > 0) return [...primary];
  const seen = new Set<string>();
  const extra = fallbacks.flat().filter((v) => {
    const p = normalizeVnMobile(v);
    if (!p.ok || seen.has(p.national)) return false;
    seen.add(p.national);
    return true;
  });
  return [...primary, ...extra];
}

/** The account's usable backup e-mails (addresses, and not its own mail), in the directory's order. */
export function usableBackupEmails(values: readonly string[], ownMail: string | null): Destination[] {
  const own = ownMail?.toLowerCase() ?? null;
  return values.filter((v) => isEmailAddress(v) && v.toLowerCase() !== own).map((v) => ({ to: v, masked: maskEmail(v) }));
}

function contact(values: readonly string[], usable: Destination[]): MaskedContact {
  if (values.length === 0) return { status: 'missing', masked: null };
  return usable[0] ? { status: 'present', masked: usable[0].masked } : { status: 'invalid', masked: null };
}

/** The first usable mobile, masked; `invalid` when one is stored but none is a VN mobile. */
export const mobileContact = (values: readonly string[]): MaskedContact => contact(values, usableMobiles(values));

/** The first usable backup e-mail, masked; `invalid` when one is stored but none can be used. */
export const backupEmailContact = (values: readonly string[], ownMail: string | null): MaskedContact =>
  contact(values, usableBackupEmails(values, ownMail));

/** Whether the account has any contact a code could go to. */
export const hasUsableContact = (a: Pick<DirectoryAccount, 'mobiles' | 'backupEmails' | 'mail'>): boolean =>
  usableMobiles(a.mobiles).length > 0 || usableBackupEmails(a.backupEmails, a.mail).length > 0;

/** Where a code goes by a channel: the first usable contact of that kind, or CONTACT_MISSING. */
export function destinationFor(a: DirectoryAccount, channel: 'sms' | 'email'): Destination {
  const first = channel === 'sms' ? usableMobiles(a.mobiles)[0] : usableBackupEmails(a.backupEmails, a.mail)[0];
  if (!first) throw new HelpdeskError('CONTACT_MISSING', { detail: channel });
  return first;
}

/** Whether the directory still holds `to` (exactly, case-insensitive) as a contact of that channel. */
export function stillRegistered(a: DirectoryAccount, channel: 'sms' | 'email', to: string): boolean {
  const all = channel === 'sms' ? usableMobiles(a.mobiles) : usableBackupEmails(a.backupEmails, a.mail);
  return all.some((d) => d.to.toLowerCase() === to.toLowerCase());
}

/** A new contact as it will be saved (`value`), sent to (`to`) and shown (`masked`); refused with the reason. */
export function newContact(kind: ContactKind, value: string, account: Pick<DirectoryAccount, 'mail'>): Destination & { value: string } {
  if (kind === 'mobile') {
    const p = normalizeVnMobile(value);
    if (!p.ok) throw new HelpdeskError('VALIDATION_FAILED', { field: 'value', reason: p.reason === 'landline' || p.reason === 'old_format' ? p.reason : 'not_phone' });
    return { value: p.national, to: p.gateway, masked: maskPhone(p.national) };
  }
  const email = value.trim();
  if (!isEmailAddress(email)) throw new HelpdeskError('VALIDATION_FAILED', { field: 'value', reason: 'not_email' });
  if (email.toLowerCase() === account.mail?.toLowerCase()) throw new HelpdeskError('VALIDATION_FAILED', { field: 'value', reason: 'same_as_mail' });
  return { value: email, to: email, masked: maskEmail(email) };
}

/** Whether the entry holds `value` (as `newContact` normalised it) as its recovery contact of that kind. */
export function holdsContact(a: Pick<DirectoryAccount, 'mobiles' | 'backupEmails'>, kind: ContactKind, value: string): boolean {
  if (kind === 'backupEmail') return a.backupEmails.some((e) => e.toLowerCase() === value.toLowerCase());
  return a.mobiles.some((m) => {
    const p = normalizeVnMobile(m);
    return p.ok && p.national === value;
  });
}

/** Every previous contact of that kind a change replaces (all are told), for the notice. */
export function previousContacts(a: Pick<DirectoryAccount, 'mobiles' | 'backupEmails'>, kind: ContactKind): Destination[] {
  return kind === 'mobile' ? usableMobiles(a.mobiles) : a.backupEmails.filter(isEmailAddress).map((e) => ({ to: e, masked: maskEmail(e) }));
}
