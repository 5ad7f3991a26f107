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
  it.each(['*)(uid=*', 'admin)(|(uid=*', '*', '\\2a', 'annv)(objectClass=*', 'nv(1)', 'a+b', 'a,b', 'x*y', 'a\\b', '1+2'])(
    'reads %s as an exact username only (never name words, never filter syntax)',
    (q) => {
      expect(parseSearchQuery(q)).toEqual([{ kind: 'username', value: q.toLowerCase() }]);
      expect(parseSearchQuery(q, 'username')).toEqual([{ kind: 'username', value: q.toLowerCase() }]);
    },
  );
  it('keeps the usual readings of plain words, names and numbers', () => {
    expect(parseSearchQuery('a.b').map((c) => c.kind)).toEqual(['username', 'name']);
    expect(parseSearchQuery('Nguyễn')).toEqual([{ kind: 'name', words: ['nguyen'] }]);
    expect(parseSearchQuery("O'Neil")).toEqual([{ kind: 'name', words: ['o', 'neil'] }]);
    // With spaces it is no account name: punctuation only separates the words.
    expect(parseSearchQuery('nguyen, van')).toEqual([{ kind: 'name', words: ['nguyen', 'van'] }]);
    expect(parseSearchQuery('12 345')).toEqual([{ kind: 'username', value: '12345' }]);
    expect(parseSearchQuery('0912.345.698')[0]).toEqual({ kind: 'phone', national: '0912345698' });
    expect(parseSearchQuery('(+84) 912-345-698')).toEqual([{ kind: 'phone', national: '0912345698' }]);
  });
  it('lower-cases a username as the directory compares it', () => {
    expect(parseSearchQuery('NV(1)')).toEqual([{ kind: 'username', value: 'nv(1)' }]);
  });
  it.each(['annv\u0000', 'a\u0007b', 'x\ny'])('refuses control characters %j before any request', (q) => {
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
  it('accepts any account name without spaces as a username', () => {
    expect(parseSearchQuery('a@b', 'username')).toEqual([{ kind: 'username', value: 'a@b' }]);
    expect(parseSearchQuery(' x*y ', 'username')).toEqual([{ kind: 'username', value: 'x*y' }]);
    expect(() => parseSearchQuery('a b', 'username')).toThrow(expect.objectContaining({ reason: 'not_username' }));
    expect(() => parseSearchQuery('x'.repeat(257), 'username')).toThrow(expect.objectContaining({ reason: 'not_username' }));
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
