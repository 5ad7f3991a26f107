import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import { ERROR_CODES, VALIDATION_REASONS } from '../../../src-main/common/errors';
import { QUERY_KINDS } from '../../../src-main/common/dto';
import { loadRenderer } from './load-renderer';

type Tree = { [key: string]: string | Tree };

// The message files, imported directly (they import nothing themselves).
const { vi } = await loadRenderer<{ vi: Tree }>('i18n/vi.ts');
const { en } = await loadRenderer<{ en: Tree }>('i18n/en.ts');

/** Every leaf key of a message tree, dotted: `errors.INTERNAL`. */
function leafKeys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : leafKeys(v, `${prefix}${k}.`),
  );
}

function leaf(tree: Tree, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Tree | undefined)?.[part], tree);
}

const locales = { vi, en };
const QUERY_REASONS = QUERY_KINDS.filter((k) => k !== 'auto').map((k) => `not_${k}`);

describe('renderer messages', () => {
  it('vi and en have exactly the same keys', () => {
    expect(leafKeys(locales.en).sort()).toEqual(leafKeys(locales.vi).sort());
  });

  for (const [name, messages] of Object.entries(locales)) {
    describe(name, () => {
      it('translates every contract error code', () => {
        for (const code of ERROR_CODES) {
          expect(leaf(messages, `errors.${code}`), `errors.${code}`).toEqual(expect.stringMatching(/\S/u));
        }
      });

      it('has no error text for a code the contract does not have', () => {
        expect(Object.keys(messages.errors as Tree).sort()).toEqual([...ERROR_CODES].sort());
      });

      it('translates every validation reason, and the query kinds the search refuses', () => {
        for (const reason of [...VALIDATION_REASONS, ...QUERY_REASONS]) {
          expect(leaf(messages, `validation.${reason}`), `validation.${reason}`).toEqual(expect.stringMatching(/\S/u));
        }
      });

      it('labels every query kind', () => {
        for (const kind of QUERY_KINDS) {
          expect(leaf(messages, `search.kinds.${kind}`), kind).toEqual(expect.stringMatching(/\S/u));
        }
      });

      it('has no empty message', () => {
        for (const key of leafKeys(messages)) expect(leaf(messages, key), key).toMatch(/\S/u);
      });

      it('every message compiles and renders without leftover placeholders', () => {
        const i18n = createI18n({
          legacy: false,
          locale: name,
          messages: { [name]: messages },
          missingWarn: false,
          fallbackWarn: false,
        });
        const params = { n: 3, at: '01/02/2026 08:30', kinds: 'x', shown: 50, total: 120, version: '1', detail: 'd', ms: 5 };
        for (const key of leafKeys(messages)) {
          const out = i18n.global.t(key, params, 3);
          expect(out, key).not.toBe(key);
          expect(out, key).not.toMatch(/[{}]/u);
        }
      });
    });
  }

  it('uses the seed wording in Vietnamese', () => {
    const all = leafKeys(locales.vi).map((k) => leaf(locales.vi, k));
    for (const phrase of [
      'Quên mật khẩu',
      'Mở khóa tài khoản',
      'Mã xác nhận',
      'Quay lại',
      'Tiếp tục',
      'Đăng nhập',
      'Đăng xuất',
      'Tên đăng nhập',
      'Mật khẩu',
      'Tìm tài khoản',
      'Cài đặt',
      'Kiểm tra kết nối',
      'Lưu',
    ]) {
      expect(all, phrase).toContain(phrase);
    }
  });

  it('renders the training hint with a literal @', () => {
    const i18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    expect(i18n.global.t('training.hint')).toBe('Tài khoản đào tạo: tongdai01 / DaoTao@2026');
  });

  it('pluralises the English result count', () => {
    const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
    expect(i18n.global.t('search.count', { n: 1 }, 1)).toBe('1 result');
    expect(i18n.global.t('search.count', { n: 7 }, 7)).toBe('7 results');
    const vi18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    expect(vi18n.global.t('search.count', { n: 7 }, 7)).toBe('7 kết quả');
  });
});
