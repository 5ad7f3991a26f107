import { describe, expect, it } from 'vitest';
import { isCccd, isCmnd, isSocialInsuranceCode, normalizeTaxCode, taxCodeCheckDigit } from '../../../src-main/domain/identifiers';
import { maskEmail, maskIdentifier, maskPhone } from '../../../src-main/domain/masking';
import { foldDiacritics, nameWords } from '../../../src-main/domain/text';

describe('identifiers', () => {
  it('CCCD: 12 digits with a real province code', () => {
    expect(isCccd('079088001234')).toBe(true);
    expect(isCccd('001190004567')).toBe(true);
    expect(isCccd('000088001234')).toBe(false); // no province 000
    expect(isCccd('07908800123')).toBe(false);
    expect(isCccd('07908800123a')).toBe(false);
    expect(isCccd('０７９０８８００１２３４')).toBe(false); // full-width digits
  });

  it('CMND: 9 digits', () => {
    expect(isCmnd('024681357')).toBe(true);
    expect(isCmnd('02468135')).toBe(false);
  });

  it('tax code check digit (weights 31,29,23,19,17,13,7,5,3)', () => {
    expect(taxCodeCheckDigit('031440905')).toBe(8);
    expect(normalizeTaxCode('0314409058')).toBe('0314409058');
    expect(normalizeTaxCode('0314409058-002')).toBe('0314409058-002');
    expect(normalizeTaxCode('0314409058002')).toBe('0314409058-002');
    expect(normalizeTaxCode('0314409059')).toBeNull();
    expect(normalizeTaxCode('031440905')).toBeNull();
    expect(normalizeTaxCode('0314409058-02')).toBeNull();
  });

  it('BHXH code: 10 digits', () => {
    expect(isSocialInsuranceCode('7912345678')).toBe(true);
    expect(isSocialInsuranceCode('791234567')).toBe(false);
  });
});

describe('masking (seed 000)', () => {
  it('phone keeps the first two and last two digits', () => {
    expect(maskPhone('0912345698')).toBe('09*****98');
  });
  it('e-mail keeps two letters and the domain', () => {
    expect(maskEmail('nguyenvana@tphcm.gov.vn')).toBe('ng***@tphcm.gov.vn');
    expect(maskEmail('a@b.vn')).toBe('a***@b.vn');
  });
  it('identifiers keep the last four digits', () => {
    expect(maskIdentifier('079088001234')).toBe('********1234');
  });
});

describe('Vietnamese folding', () => {
  it('strips marks and maps đ/Đ', () => {
    expect(foldDiacritics('Nguyễn Văn Ân')).toBe('Nguyen Van An');
    expect(foldDiacritics('Đặng Thu Hà')).toBe('Dang Thu Ha');
    expect(foldDiacritics('Trần Thị Bích Ngọc'.normalize('NFD'))).toBe('Tran Thi Bich Ngoc');
  });
  it('splits a name into folded lower-case words', () => {
    expect(nameWords('  Nguyễn  Văn-Ân ')).toEqual(['nguyen', 'van', 'an']);
  });
});
