import type { CaseView, OverrideInput } from '../../common/dto';
import { type Case, requireOpen } from '../../domain/case';
import { hasUsableContact } from '../../domain/contacts';
import { HelpdeskError } from '../../domain/errors';
import { containsIdentifier, sameCitizenId } from '../../domain/identifiers';
import { identityAttemptsLeft, MAX_IDENTITY_MISMATCHES, overridableAccount } from '../../domain/override';
import type { CaseDeps, CaseRegistry } from './registry';

/**
 * A supervisor stands in for the code: the caller has no usable contact (or none they can reach, said
 * so explicitly), and the supervisor records the identity check done. A CCCD check is made here,
 * against the directory's record; the number itself is never stored or audited.
 */
export function createOverride(deps: CaseDeps, registry: CaseRegistry): (c: Case, input: OverrideInput) => Promise<CaseView> {
  const { audit } = registry;
  return async (c, input) => {
    const who = deps.requireOperator();
    requireOpen(c);
    if (containsIdentifier(input.note)) throw new HelpdeskError('VALIDATION_FAILED', { field: 'note', reason: 'contains_identifier' });
    const now = deps.clock.now();
    if (c.state.kind === 'verified' && now < c.state.expiresAt) {
      throw new HelpdeskError('VALIDATION_FAILED', { field: 'caseId', reason: 'invalid_value', detail: 'already verified' });
    }
    const dir = await deps.directory();
    const account = await dir.getAccount(c.accountDn);
    registry.remember(c, account);
    const contactsOnRecord = hasUsableContact(account);
    const base = { check: input.check, supervisor: who.username, contactsOnRecord };
    if (!overridableAccount(await dir.rolesOfAccount(account))) {
      await audit(c, 'case.override', 'refused', { ...base, code: 'ACTION_NOT_PERMITTED', reasonCode: 'staff_account' });
      throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'staff_account' });
    }
    if (contactsOnRecord && input.contactsUnreachable !== true) {
      await audit(c, 'case.override', 'refused', { ...base, code: 'ACTION_NOT_PERMITTED', reasonCode: 'contact_available' });
      throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'contact_available' });
    }
    const otp = await deps.otp();
    if (await otp.identityMismatches(c.accountKey) >= MAX_IDENTITY_MISMATCHES) {
      await audit(c, 'case.override', 'refused', { ...base, code: 'ACTION_NOT_PERMITTED', reasonCode: 'override_attempts' });
      throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'override_attempts' });
    }
    if (input.check === 'citizen-id') {
      if (!account.citizenId) {
        await audit(c, 'case.override', 'refused', { ...base, code: 'ACTION_NOT_PERMITTED', reasonCode: 'no_citizen_id' });
        throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'no_citizen_id' });
      }
      if (!sameCitizenId(input.citizenId ?? '', account.citizenId)) {
        const left = identityAttemptsLeft(await otp.recordIdentityMismatch(c.accountKey));
        await audit(c, 'case.override', 'refused', { ...base, code: 'IDENTITY_MISMATCH', attemptsLeft: left });
        throw new HelpdeskError('IDENTITY_MISMATCH', { attemptsLeft: left });
      }
    }
    c.state = {
      kind: 'verified',
      by: 'override',
      override: { check: input.check, supervisor: who.username, note: input.note, contactsOnRecord },
      verifiedAt: now,
      expiresAt: new Date(now.getTime() + otp.policy.validityMs),
    };
    // No contact was proven: a temporary password has nowhere to go until a new one is saved with its code.
    c.deliveryContact = null;
    c.pendingContact = null;
    c.approval = null;
    await audit(c, 'case.override', 'ok', { ...base, note: input.note });
    return registry.view(c);
  };
}
