import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import type { CallRules } from '../../../src-main/common/dto';
import { rulesParams } from '../../../src-renderer/src/i18n/rules';
import * as __i18n_en from '../../../src-renderer/src/i18n/en';
import * as __i18n_vi from '../../../src-renderer/src/i18n/vi';

// Issue #12/#14: the rules of a call (a code's validity, the spacing of sends, the daily cap, wrong codes,
// wrong CCCD numbers) are decided in the domain and sent by the main process (CaseView.policy,
// SessionInfo.rules). No component and no translation writes those numbers itself: change the policy and
// every screen follows. This test fails on a number written next to what it counts.

type Tree = { [key: string]: string | Tree };
const RENDERER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src-renderer', 'src');

/** A number next to a unit of the rules: "5 phút", "tối đa 2 lần", "3 times", "at most 2 a day", "(5 minutes)". */
const HARD_CODED = [
  /\d+\s*(?:phút|lần|lượt|minutes?|times?|tries|attempts?|wrong)\b/iu,
  /(?:tối đa|at most|up to|còn)\s+\d+(?!\d)(?!\s*(?:ký tự|characters))/iu,
  /\d+\s*(?:codes?|sends?|mã)\s*(?:a|per|mỗi|1)\s*(?:day|ngày)/iu,
];

function leaves(tree: Tree, prefix = ''): Array<[string, string]> {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v, `${prefix}${k}.`)));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(vue|ts)$/u.test(name) ? [path] : [];
  });
}

/** String literals and template text of a source file (comments left out: they may explain a rule). */
function textsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//gu, '').replace(/(^|[^:])\/\/.*$/gmu, '$1').replace(/<!--[\s\S]*?-->/gu, '');
  const literals = [...code.matchAll(/'([^'\n]*)'|"([^"\n]*)"|`([^`]*)`/gu)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  const template = /<template>([\s\S]*)<\/template>/u.exec(code)?.[1] ?? '';
  const text = [...template.matchAll(/>([^<]+)</gu)].map((m) => m[1] ?? '');
  return [...literals, ...text];
}

describe('the rules of a call are never written by the renderer', () => {
  for (const [name, messages] of Object.entries({ vi: __i18n_vi.vi as Tree, en: __i18n_en.en as Tree })) {
    it(`${name}: no message writes a number of the rules`, () => {
      const offending = leaves(messages).filter(([, text]) => HARD_CODED.some((re) => re.test(text)));
      expect(offending).toEqual([]);
    });

    it(`${name}: the messages that state a rule take it from the policy sent`, () => {
      const rules: CallRules = { validityMinutes: 41, maxWrong: 43, minIntervalMinutes: 47, maxPerDay: 53, maxIdentityMismatches: 59 };
      const i18n = createI18n({ legacy: false, locale: name, messages: { [name]: messages } });
      const say = (key: string): string => i18n.global.t(key, rulesParams(rules));
      expect(say('case.rule')).toMatch(/47.*53/u);
      expect(say('contact.rule')).toMatch(/47.*53/u);
      expect(say('case.verifiedExpired')).toContain('41');
      expect(say('override.intro')).toContain('41');
      expect(say('errors.CASE_EXPIRED')).toContain('41');
      expect(say('errors.OTP_TOO_SOON')).toContain('47');
      expect(say('errors.OTP_DAILY_LIMIT')).toContain('53');
      expect(say('reasons.ACTION_NOT_PERMITTED.override_attempts')).toContain('59');
    });
  }

  it('no component, store or flow writes a number of the rules', () => {
    const files = sourceFiles(RENDERER).filter((f) => !f.includes(`${join('src', 'i18n')}`));
    expect(files.length).toBeGreaterThan(50);
    const offending = files.flatMap((f) =>
      textsOf(readFileSync(f, 'utf8'))
        .filter((text) => HARD_CODED.some((re) => re.test(text)))
        .map((text) => `${relative(RENDERER, f)}: ${text}`),
    );
    expect(offending).toEqual([]);
  });

  it('the check itself finds a number written beside its unit', () => {
    expect(HARD_CODED.some((re) => re.test('Mã OTP gửi cách nhau 5 phút'))).toBe(true);
    expect(HARD_CODED.some((re) => re.test('at most 2 a day'))).toBe(true);
    expect(HARD_CODED.some((re) => re.test('Đã nhập sai 3 lần'))).toBe(true);
    // A length limit is not a rule of a call.
    expect(HARD_CODED.some((re) => re.test('tối đa 500 ký tự'))).toBe(false);
    expect(textsOf("const a = t('x', { n: 1 }); // 5 phút\n<template><p>còn 2 lượt</p></template>")).toContain('còn 2 lượt');
  });
});
