import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '../../../src-main/common/audit-dto';
import { AUDIT_ACTION_LABELS_VI, TERMS } from '../../../src-main/common/glossary';
import { foldDiacritics } from '../../../src-main/domain/text';
import { auditMessages } from '../../../src-renderer/src/i18n/vi/audit';
import * as __i18n_vi from '../../../src-renderer/src/i18n/vi';

// Issue #14 items 7 and 8: one word for one thing. The glossary (src-main/common/glossary.ts) names the
// seeds' terms and the forms they replace; the Vietnamese messages, the templates sent to callers and the
// monthly report (which goes out with an official letter) use the terms and none of the replaced forms, and
// show no raw ids.

type Tree = { [key: string]: string | Tree };
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function leaves(tree: Tree, prefix = ''): Array<[string, string]> {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v, `${prefix}${k}.`)));
}

const vi = leaves(__i18n_vi.vi as unknown as Tree);
const templates = readdirSync(join(ROOT, 'resources', 'templates')).map((name) => [name, readFileSync(join(ROOT, 'resources', 'templates', name), 'utf8')] as const);
/** The string literals of the exports' sources (the monthly report, the audit and dashboard files): every word they print. */
const EXPORTS = join(ROOT, 'src-main', 'adapters', 'export');
const reportSource = readdirSync(EXPORTS).map((name) => readFileSync(join(EXPORTS, name), 'utf8')).join('\n');
const reportTexts = [...reportSource.replace(/\/\*[\s\S]*?\*\//gu, '').replace(/^\s*\/\/.*$/gmu, '').matchAll(/'([^'\n]*)'|`([^`]*)`/gu)].map((m) => m[1] ?? m[2] ?? '');
const replaced = Object.values(TERMS).flatMap((t) => t.replaces);

/** The replaced forms a text uses (case aside; unaccented texts — SMS — compared unaccented). */
function offending(text: string): string[] {
  const lower = text.toLowerCase();
  const folded = foldDiacritics(lower);
  return replaced.filter((form) => lower.includes(form) || (folded === lower && folded.includes(foldDiacritics(form))));
}

describe('one vocabulary', () => {
  it('the audit view and the monthly report label every audited action with the glossary\'s words, and no other', () => {
    const nested = auditMessages.audit.actions as unknown as Record<string, Record<string, string>>;
    for (const action of AUDIT_ACTIONS) {
      const [group, name] = action.split('.') as [string, string];
      expect(nested[group]![name], action).toBe(AUDIT_ACTION_LABELS_VI[action]);
      expect(AUDIT_ACTION_LABELS_VI[action], action).not.toContain(action);
    }
    expect(Object.keys(AUDIT_ACTION_LABELS_VI).sort()).toEqual([...AUDIT_ACTIONS].sort());
  });

  it('no Vietnamese message uses a form the glossary replaces', () => {
    expect(vi.flatMap(([key, text]) => offending(text).map((form) => `${key}: “${form}” in “${text}”`))).toEqual([]);
  });

  it('no template sent to callers and no text of the exports (monthly report, audit and dashboard files) uses one either', () => {
    expect(templates.flatMap(([name, text]) => offending(text).map((form) => `${name}: “${form}”`))).toEqual([]);
    expect(reportTexts.length).toBeGreaterThan(20);
    expect(reportTexts.flatMap((text) => offending(text).map((form) => `monthly-report: “${form}” in “${text}”`))).toEqual([]);
    expect(Object.values(AUDIT_ACTION_LABELS_VI).flatMap(offending)).toEqual([]);
  });

  it('the screens use every term of the glossary, and the code message names the code as the seeds do', () => {
    const all = vi.map(([, text]) => text.toLowerCase()).join('\n');
    for (const [name, t] of Object.entries(TERMS)) expect(all, name).toContain(t.vi.toLowerCase());
    const sms = templates.find(([name]) => name === 'otp-sms.txt')![1];
    expect(sms).toContain(foldDiacritics(TERMS.otp.vi));
  });

  it('no Vietnamese message shows a raw id or an encoding name', () => {
    // Names an administrator must recognise as they are: a directory attribute and a gateway's name.
    const names = /\b(?:pwdMustChange|telephoneNumber|eSMS(?:\.vn)?)\b/gu;
    const raw = vi.filter(([, text]) => {
      const words = text.replace(/\{[^}]*\}/gu, ' ').replace(names, ' ');
      return /\b[a-z]+[A-Z][A-Za-z]*\b/u.test(words) || /\b(?:GSM-7|UCS-2|[a-z]+\.[a-z]+\.[a-z-]+)\b/u.test(words.replace(/\S+@\S+|\S+:\/\/\S+|\b[\w-]+(?:\.[\w-]+)*\.vn\b/gu, ' '));
    });
    expect(raw).toEqual([]);
  });

  it('the check itself finds a replaced form, accented or not', () => {
    expect(offending('Gửi mã xác nhận')).toEqual(['mã xác nhận']);
    expect(offending('ma xac nhan tai khoan')).toEqual(['mã xác nhận']);
    expect(offending('Xác minh người gọi')).toEqual(['xác minh']);
    expect(offending('Gửi mã OTP')).toEqual([]);
  });
});
