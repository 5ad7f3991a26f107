import type { HelpdeskApi } from '../common/api';
import { fail, type Result } from '../common/result';
import { channelEntry, dispatch } from '../app/dispatch';
import { isTrustedSender, type SenderFacts, type SenderPolicy } from './sender-guard';

/**
 * The typed ipcMain handler for one channel: sender validated, then input validated, then the app.
 * Kept free of the electron import so it is unit-tested with plain objects.
 */
export function createIpcHandler(api: HelpdeskApi, policy: () => SenderPolicy, channel: string) {
  const entry = channelEntry(channel);
  return async (facts: SenderFacts, input: unknown): Promise<Result<unknown>> => {
    if (!isTrustedSender(facts, policy())) return fail('FORBIDDEN_SENDER');
    return dispatch(api, entry, input);
  };
}
