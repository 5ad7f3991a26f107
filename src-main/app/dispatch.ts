import type { ZodError } from 'zod';
import type { HelpdeskApi } from '../common/api';
import { API_CHANNELS, type ChannelEntry } from '../common/manifest';
import { fail, type Result } from '../common/result';
import { INPUT_SCHEMAS, validationError } from '../common/schemas';

const BY_CHANNEL = new Map<string, ChannelEntry>(API_CHANNELS.map((c) => [c.channel, c]));
const BY_PATH = new Map<string, ChannelEntry>(API_CHANNELS.map((c) => [`${c.group}/${c.method}`, c]));

export function channelEntry(channel: string): ChannelEntry | undefined {
  return BY_CHANNEL.get(channel);
}

export function pathEntry(path: string): ChannelEntry | undefined {
  return BY_PATH.get(path);
}

type AnyCall = (input: unknown) => Promise<Result<unknown>>;

/**
 * The one door into the app for IPC and HTTP alike: the method must be in the manifest and the input
 * must pass its schema, otherwise an error result comes back and the app is never called.
 */
export async function dispatch(api: HelpdeskApi, entry: ChannelEntry | undefined, input: unknown): Promise<Result<unknown>> {
  if (!entry) return fail('UNKNOWN_METHOD');
  const schemas = INPUT_SCHEMAS[entry.group] as Record<string, { safeParse(v: unknown): { success: true; data: unknown } | { success: false; error: ZodError } }>;
  const schema = schemas[entry.method];
  if (!schema) return fail('UNKNOWN_METHOD');
  const parsed = schema.safeParse(input);
  if (!parsed.success) return { ok: false, error: validationError(parsed.error) };
  const group = api[entry.group] as unknown as Record<string, AnyCall>;
  const call = group[entry.method];
  if (!call) return fail('UNKNOWN_METHOD');
  try {
    return await call(parsed.data);
  } catch {
    return fail('INTERNAL');
  }
}
