import { describe, expect, it } from 'vitest';
import { isSameMobile, mobileDigitPieces, mobileWrittenForms, normalizeVnMobile, phoneSpellings } from '../../../src-main/domain/phone';

describe('normalizeVnMobile', () => {
  it.each([
    '+84 912 345 678',
    '+84912345678',
    '0084912345678',
    '84912345678',
    '912345678',
    '0912345678',
    '0912-345-678',
    '0912.345.678',
    ' 0912 345 678 ',
  ])('%s → 0912345678 / 84912345678', (input) => {
    expect(normalizeVnMobile(input)).toEqual({ ok: true, national: '0912345678', gateway: '84912345678' });
  });

  it('keeps the 084 VinaPhone prefix apart from the country code', () => {
    expect(normalizeVnMobile('0841234567')).toEqual({ ok: true, national: '0841234567', gateway: '84841234567' });
    expect(normalizeVnMobile('84841234567')).toMatchObject({ ok: true, national: '0841234567' });
  });

  it.each(['0321234567', '0561234567', '0701234567', '0861234567', '0991234567'])('accepts mobile prefix %s', (n) => {
    expect(normalizeVnMobile(n)).toMatchObject({ ok: true, national: n });
  });

  it('refuses landlines with a reason', () => {
    expect(normalizeVnMobile('02838233717')).toEqual({ ok: false, reason: 'landline' });
    expect(normalizeVnMobile('+84 24 3825 2525')).toEqual({ ok: false, reason: 'landline' });
  });

  it('refuses the pre-2018 11-digit mobile numbers', () => {
    expect(normalizeVnMobile('01234567890')).toEqual({ ok: false, reason: 'old_format' });
    expect(normalizeVnMobile('+841234567890')).toEqual({ ok: false, reason: 'old_format' });
  });

  it('refuses foreign numbers and junk', () => {
    expect(normalizeVnMobile('+14155552671')).toEqual({ ok: false, reason: 'not_vietnamese' });
    expect(normalizeVnMobile('abc')).toEqual({ ok: false, reason: 'invalid' });
    expect(normalizeVnMobile('')).toEqual({ ok: false, reason: 'invalid' });
    expect(normalizeVnMobile('0912345')).toEqual({ ok: false, reason: 'invalid' });
    expect(normalizeVnMobile('*)(uid=*')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('lists the prefixes a directory may store', () => {
    expect(phoneSpellings('0912345678')).toEqual(['0912345678', '+84912345678', '84912345678', '0084912345678', '912345678']);
  });
});

describe('a mobile in any punctuation', () => {
  it('lists the usual written forms, each of them this number', () => {
    const forms = mobileWrittenForms('0912345698');
    expect(forms.slice(0, 5)).toEqual(phoneSpellings('0912345698'));
    expect(forms).toEqual(expect.arrayContaining(['0912.345.698', '091.234.5698', '+84.912.345.698', '+84 912.345.698', '84.912.345.698', '0912 345 698', '0912-345-698', '+84 912 345 698']));
    expect(new Set(forms).size).toBe(forms.length);
    for (const f of forms) expect(isSameMobile(f, '0912345698')).toBe(true);
  });

  it('names the subscriber digits every written form holds in order', () => {
    expect(mobileDigitPieces('0912345698')).toEqual(['9', '1', '2', '3', '4', '5', '6', '9', '8']);
  });

  it.each(['0912.345.698', '0912 345 698', '0912-345-698', '+84 912 345 698', '+84.912.345.698', '84912345698', '0084912345698', '(+84) 912-345-698', '912345698'])(
    'confirms %s as 0912345698 and holds its pieces',
    (stored) => {
      expect(isSameMobile(stored, '0912345698')).toBe(true);
      // What the directory's substring match (*9*1*2*…*8*) accepts: these digits, in order.
      const digits = stored.replace(/\D/gu, '');
      expect(new RegExp(mobileDigitPieces('0912345698').join('.*'), 'u').test(digits)).toBe(true);
    },
  );

  it.each(['0912345699', '0991234569 8', '09123456980', '0912.345.6980', '84 0912 345 698 1', 'not a number', ''])(
    'drops %j: the substring match may be wider than the number, the check is not',
    (stored) => {
      expect(isSameMobile(stored, '0912345698')).toBe(false);
    },
  );
});
