import { z } from 'zod';
import type { HelpdeskApi } from './api';
import { IDENTITY_CHECKS, QUERY_KINDS } from './dto';
import type { ApiError } from './result';
import { settingsSchema, teamSettingsSchema } from './settings';
import { dnText, lineText, plainText, secretText } from './text-rules';

const empty = z.strictObject({});
const caseId = z.string().regex(/^[0-9a-f-]{36}$/u, { error: 'invalid_format' });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/u, { error: 'invalid_format' });
/**
 * An export's file NAME, never a path: the main process chooses the folder (the save dialog of the
 * desktop app, the configured export folder of the web harness). No separator, no drive or stream
 * colon, no leading dot, not `..`.
 */
const exportFileName = lineText(200).refine((s) => !/[\\/:]/u.test(s) && !s.startsWith('.') && s.trim() === s, { error: 'invalid_format' });
/** Audit criteria: values only (bound as SQL parameters); the calendar is checked in the domain. */
const auditFilter = z.strictObject({
  from: day.optional(),
  to: day.optional(),
  operator: lineText(128).optional(),
  account: lineText(128).optional(),
  action: lineText(64).optional(),
  outcome: z.enum(['ok', 'error', 'refused']).optional(),
  unit: lineText(200).optional(),
  caseId: caseId.optional(),
});

/** The input schema of every contract method: checked at the boundary before the app sees it. */
export const INPUT_SCHEMAS = {
  app: { info: empty },
  session: {
    current: empty,
    signIn: z.strictObject({ username: lineText(128), password: secretText(256) }),
    signOut: empty,
    lock: empty,
    unlock: z.strictObject({ password: secretText(256) }),
  },
  directory: {
    search: z.strictObject({ query: lineText(200), kind: z.enum(QUERY_KINDS).optional() }),
    getAccount: z.strictObject({ id: dnText }),
    refreshIndex: empty,
  },
  settings: {
    get: empty,
    save: z.strictObject({
      settings: settingsSchema,
      servicePassword: secretText(512).optional(),
      smsSecret: secretText(2048).optional(),
      mailPassword: secretText(512).optional(),
    }),
    testConnection: z.strictObject({ settings: settingsSchema, servicePassword: secretText(512).optional() }),
  },
  audit: {
    recent: z.strictObject({ limit: z.number().int().min(1).max(500).optional() }),
    head: empty,
    query: z.strictObject({
      filter: auditFilter,
      before: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
      limit: z.number().int().min(1).max(500).optional(),
    }),
    timeline: z.strictObject({ caseId: caseId }),
    purge: empty,
    export: z.strictObject({
      filter: auditFilter,
      format: z.enum(['csv', 'xlsx']),
      fileName: exportFileName,
    }),
    verify: z.strictObject({
      head: z
        .strictObject({
          seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
          hash: z.string().regex(/^[0-9a-f]{64}$/u, { error: 'invalid_format' }),
        })
        .optional(),
    }),
  },
  cases: {
    open: z.strictObject({ accountId: dnText, reason: lineText(500), takeOver: z.boolean().optional() }),
    get: z.strictObject({ caseId: caseId }),
    mine: empty,
    handOff: z.strictObject({ caseId: caseId, note: lineText(500) }),
    queue: empty,
    take: z.strictObject({ caseId: caseId }),
    approve: z.strictObject({ caseId: caseId }),
    sendCode: z.strictObject({ caseId: caseId, channel: z.enum(['sms', 'email']) }),
    // The code's own rules (exactly six ASCII digits after trimming) live in the domain; here only size.
    verifyCode: z.strictObject({ caseId: caseId, code: z.string().max(64, { error: 'too_long' }) }),
    close: z.strictObject({ caseId: caseId, outcome: z.enum(['done', 'abandoned']) }),
    gate: z.strictObject({ caseId: caseId }),
    override: z
      .strictObject({
        caseId: caseId,
        check: z.enum(IDENTITY_CHECKS),
        citizenId: plainText(32).optional(),
        note: lineText(500),
        contactsUnreachable: z.boolean().optional(),
      })
      .refine((v) => v.check !== 'citizen-id' || (v.citizenId ?? '').trim() !== '', { path: ['citizenId'], error: 'required' }),
  },
  actions: {
    unlock: z.strictObject({ caseId: caseId }),
    resetPassword: z.strictObject({ caseId: caseId }),
    resetAndUnlock: z.strictObject({ caseId: caseId }),
    sendContactCode: z.strictObject({ caseId: caseId, kind: z.enum(['mobile', 'backupEmail']), value: lineText(254) }),
    updateContact: z.strictObject({ caseId: caseId, code: z.string().max(64, { error: 'too_long' }) }),
  },
  dashboards: {
    auditStats: z.strictObject({ from: day, to: day, unit: lineText(200).optional() }),
    scanStart: empty,
    scanStatus: z.strictObject({ scanId: caseId }),
    scanCancel: z.strictObject({ scanId: caseId }),
    exportScan: z.strictObject({ scanId: caseId, list: z.enum(['units', 'locked']), format: z.enum(['csv', 'xlsx']), fileName: exportFileName }),
  },
  reports: {
    monthly: z.strictObject({
      month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/u, { error: 'invalid_format' }),
      unit: lineText(200).optional(),
      fileName: exportFileName,
    }),
  },
  team: {
    status: empty,
    join: z.strictObject({
      team: teamSettingsSchema,
      password: secretText(512),
      joinSecret: lineText(64).optional(),
    }),
    createJoinSecret: empty,
    publishProfile: empty,
  },
  outbox: {
    list: z.strictObject({ limit: z.number().int().min(1).max(200).optional() }),
  },
} as const satisfies { [G in keyof HelpdeskApi]: { [M in keyof HelpdeskApi[G]]: z.ZodType } };

const KNOWN_REASONS = new Set(['required', 'too_long', 'too_short', 'control_characters', 'invalid_format', 'insecure_transport', 'needs_tls', 'unknown_field', 'invalid_value']);

/** Turns the first schema issue into a contract error: a field path and a reason key, no echo of the value. */
export function validationError(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  if (!issue) return { code: 'VALIDATION_FAILED', reason: 'invalid_value' };
  // A record's key that failed its rule is input, not a field name: the record is named instead.
  const path = issue.code === 'invalid_key' ? issue.path.slice(0, -1) : issue.path;
  const field = path.map(String).join('.') || undefined;
  const inner = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
  let reason: string;
  if (KNOWN_REASONS.has(issue.message)) reason = issue.message;
  else if (inner !== undefined && KNOWN_REASONS.has(inner)) reason = inner;
  else if (issue.code === 'invalid_type') reason = /received undefined/u.test(issue.message) ? 'required' : 'invalid_type';
  else if (issue.code === 'too_big') reason = 'too_long';
  else if (issue.code === 'too_small') reason = 'too_short';
  else if (issue.code === 'unrecognized_keys') reason = 'unknown_field';
  else if (issue.code === 'invalid_format') reason = 'invalid_format';
  else reason = 'invalid_value';
  return field === undefined ? { code: 'VALIDATION_FAILED', reason } : { code: 'VALIDATION_FAILED', field, reason };
}
