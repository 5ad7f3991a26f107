import { describe, expect, it } from 'vitest';
import { HelpdeskError } from '../../../src-main/domain/errors';
import { nameMatches, nameSkeleton, parseSearchQuery } from '../../../src-main/domain/search-query';

describe('parseSearchQuery (auto)', () => {
  it('reads a mobile in any form', () => {
    expect(parseSearchQuery('+84 912 345 698')).toEqual([{ kind: 'phone', national: '0912345698' }]);
  });
  it('reads 12 digits as a CCCD', () => {
    expect(parseSearchQuery('079088001234')).toEqual([{ kind: 'citizenId', value: '079088001234' }]);
  });
  it('keeps every reading of ten digits: mobile, tax code, BHXH', () => {
    expect(parseSearchQuery('0100109106').map((c) => c.kind)).toEqual(['taxCode', 'socialInsurance']);
    expect(parseSearchQuery('0314409058').map((c) => c.kind)).toEqual(['phone', 'taxCode', 'socialInsurance']);
    expect(parseSearchQuery('0971234567').map((c) => c.kind)).toEqual(['phone', 'socialInsurance']);
  });
  it('reads a branch tax code', () => {
    expect(parseSearchQuery('0314409058-002')).toEqual([{ kind: 'taxCode', value: '0314409058-002' }]);
  });
  it('reads e-mail', () => {
    expect(parseSearchQuery('An.Nguyen.HCM@gmail.com')).toEqual([{ kind: 'email', value: 'an.nguyen.hcm@gmail.com' }]);
  });
  it('reads one ASCII word as username or name', () => {
    expect(parseSearchQuery('annv')).toEqual([
      { kind: 'username', value: 'annv' },
      { kind: 'name', words: ['annv'] },
    ]);
  });
  it('reads words with spaces or diacritics as a name', () => {
    expect(parseSearchQuery('nguyen van')).toEqual([{ kind: 'name', words: ['nguyen', 'van'] }]);
    expect(parseSearchQuery('Nguyễn Văn')).toEqual([{ kind: 'name', words: ['nguyen', 'van'] }]);
  });
  it.each(['*)(uid=*', 'admin)(|(uid=*', '*', '\\2a', 'annv)(objectClass=*'])('refuses filter syntax %s before any request', (q) => {
    for (const kind of ['auto', 'username', 'name'] as const) {
      expect(() => parseSearchQuery(q, kind)).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'query', reason: 'invalid_characters' }),
      );
    }
  });
});

describe('parseSearchQuery (explicit kind)', () => {
  it('refuses a value that is not of the kind', () => {
    expect(() => parseSearchQuery('02838233717', 'phone')).toThrow(HelpdeskError);
    try {
      parseSearchQuery('123', 'citizenId');
    } catch (e) {
      expect((e as HelpdeskError).toApiError()).toEqual({ code: 'VALIDATION_FAILED', field: 'query', reason: 'not_citizenId' });
    }
  });
  it('accepts a CMND as citizen ID', () => {
    expect(parseSearchQuery('024681357', 'citizenId')).toEqual([{ kind: 'citizenId', value: '024681357' }]);
  });
});

describe('name matching without diacritics', () => {
  it('skeleton keeps only letters that never carry marks', () => {
    expect(nameSkeleton(['nguyen', 'van'])).toEqual(['ng', 'n', 'v', 'n']);
    expect(nameSkeleton(['dang'])).toEqual(['ng']);
  });
  it('matches word prefixes in order', () => {
    expect(nameMatches('Nguyễn Văn An', ['nguyen', 'van'])).toBe(true);
    expect(nameMatches('Nguyễn Văn An', ['van', 'an'])).toBe(true);
    expect(nameMatches('Nguyễn Văn An', ['an', 'nguyen'])).toBe(false);
    expect(nameMatches('Nguyễn Thị Vân', ['nguyen', 'van'])).toBe(true);
    expect(nameMatches('Đặng Thu Hà', ['dang', 'ha'])).toBe(true);
    expect(nameMatches('Trần Văn Nam', ['nguyen'])).toBe(false);
  });
});
