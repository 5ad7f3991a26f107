import type { HelpdeskApi } from '../../common/api';
import type { CaseSummary } from '../../common/dto';
import { approve, type Case, handOff, takeHandedOver } from '../../domain/case';
import { errorCodeOf, HelpdeskError } from '../../domain/errors';
import { containsIdentifier } from '../../domain/identifiers';
import { type CaseDeps, type CaseRegistry, caseHead, recorded } from './registry';

/** A case in a list: who, what for, what it waits for — nothing the call proved (no contact, no code). */
export function caseSummary(c: Case): CaseSummary {
  return {
    ...caseHead(c),
    waiting: c.state.kind === 'closed' ? null : c.handOff ? 'supervisor' : c.approval?.state === 'waiting' ? 'approval' : null,
    approval: c.approval
      ? { requestedBy: c.approval.requestedBy, requestedAt: c.approval.requestedAt.toISOString(), contact: { kind: c.approval.contact.kind, destination: c.approval.contact.masked } }
      : null,
  };
}

/**
 * A hotline's cases between people: the cases one holds (continued on any workstation), the hand-off to
 * the supervisors ("Chuyển giám sát viên"), their queue, taking a case, and the second supervisor's
 * approval (four eyes). Every step is audited with both names.
 */
export function createHandover(deps: CaseDeps, registry: CaseRegistry): Pick<HelpdeskApi['cases'], 'mine' | 'handOff' | 'queue' | 'take' | 'approve'> {
  const { audit } = registry;
  return {
    mine: () =>
      deps.run(async () => {
        const who = deps.requireOperator();
        return (await (await registry.store()).heldBy(who.username)).map(caseSummary);
      }),
    handOff: ({ caseId, note }) =>
      deps.run(() =>
        registry.exclusive(caseId, async (c) => {
          if (containsIdentifier(note)) throw new HelpdeskError('VALIDATION_FAILED', { field: 'note', reason: 'contains_identifier' });
          await recorded(
            c,
            (d) => handOff(d, d.holder, note, deps.clock.now()),
            (d) => audit(d, 'case.handOff', 'ok', { note }),
          );
          return registry.view(c);
        }),
      ),
    queue: () =>
      deps.run(async () => {
        deps.requireOperator();
        return (await (await registry.store()).waiting()).map(caseSummary);
      }),
    take: ({ caseId }) =>
      deps.run(() =>
        registry.exclusiveAny(caseId, async (c) => {
          const who = deps.requireOperator();
          await recorded(
            c,
            (d) => takeHandedOver(d, who.username, deps.clock.now()),
            (d, from) => audit(d, 'case.take', 'ok', { from }),
          );
          return registry.view(c);
        }),
      ),
    approve: ({ caseId }) =>
      deps.run(() =>
        registry.exclusiveAny(caseId, async (c) => {
          const who = deps.requireOperator();
          const otp = await deps.otp();
          const row = (outcome: 'ok' | 'refused', extra: Record<string, string | null>) =>
            deps.audit.append({ operator: who.username, action: 'case.approval', outcome, target: c.accountUsername, unit: c.accountUnit, detail: { case: c.id, reason: c.reason, holder: c.holder, ...extra } });
          try {
            await recorded(
              c,
              (d) => approve(d, who.username, deps.clock.now(), otp.policy.validityMs),
              (d) => row('ok', { step: 'approved', requestedBy: d.approval!.requestedBy, approvedBy: who.username, kind: d.approval!.contact.kind, destination: d.approval!.contact.masked }),
            );
          } catch (err) {
            if (err instanceof HelpdeskError && (err.code === 'ACTION_NOT_PERMITTED' || err.code === 'CASE_EXPIRED')) {
              await row('refused', { step: 'approve', code: errorCodeOf(err), reasonCode: err.reason ?? null });
            }
            throw err;
          }
          return caseSummary(c);
        }),
      ),
  };
}
