import type { HelpdeskApi } from '../common/api';
import { createAccountActions } from './cases/account-actions';
import { createContactChange } from './cases/contact-change';
import { createHandover } from './cases/handover';
import { createMessenger, type MessengerDeps } from './cases/messages';
import { createOverride } from './cases/override';
import { type CaseDeps, createCaseRegistry } from './cases/registry';
import { createVerification } from './cases/verification';

export type { MessageTemplates } from './cases/messages';

/**
 * The `cases` and `actions` parts of the contract, put together from their rooms: the registry of open
 * cases (cases/registry), what the caller receives (cases/messages), verification (cases/verification),
 * the supervisor override (cases/override), the account writes (cases/account-actions) and the recovery
 * contact change (cases/contact-change).
 */
export function createCases(deps: CaseDeps & MessengerDeps): {
  api: HelpdeskApi['cases'];
  actions: HelpdeskApi['actions'];
  closeAll: (why: string) => Promise<void>;
} {
  const messages = createMessenger(deps);
  const registry = createCaseRegistry(deps, messages);
  const override = createOverride(deps, registry);
  return {
    api: {
      ...createVerification(deps, registry, messages),
      ...createHandover(deps, registry),
      override: (input) => deps.run(() => registry.exclusive(input.caseId, (c) => override(c, input))),
    },
    actions: { ...createAccountActions(deps, registry, messages), ...createContactChange(deps, registry, messages) },
    closeAll: registry.closeAll,
  };
}
