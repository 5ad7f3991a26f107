import { describe, expect, it } from 'vitest';
import { inOrder, indexRecordOf, indexUsable, indexWorkDue, INDEX_MAX_AGE_MS, INDEX_REFRESH_MS, INDEX_SWEEP_MS, nameTier, writtenWords } from '../../../src-main/domain/search-index';
import { nameWords } from '../../../src-main/domain/text';

const tier = (name: string, typed: string) => nameTier(writtenWords(name), nameWords(name), writtenWords(typed), nameWords(typed));

describe('search index rules (issue #15)', () => {
  it('ranks: as typed whole words, as typed starts, folded whole words, folded starts', () => {
    expect(tier('Nguyễn Văn An', 'nguyễn văn an')).toBe(0);
    expect(tier('Nguyễn Văn Anh', 'nguyễn văn an')).toBe(1);
    expect(tier('Nguyễn Văn An', 'nguyen van an')).toBe(2);
    expect(tier('Nguyễn Văn Anh', 'nguyen van an')).toBe(3);
    expect(tier('Nguyen Van An', 'nguyen van an')).toBe(0);
    expect(tier('NGUYỄN VĂN AN', 'Nguyễn Văn An')).toBe(0);
  });

  it('words in order, whole or as starts', () => {
    expect(inOrder(['nguyen', 'van', 'an'], ['nguyen', 'an'], true)).toBe(true);
    expect(inOrder(['nguyen', 'van', 'an'], ['an', 'nguyen'], false)).toBe(false);
    expect(inOrder(['nguyen', 'van', 'anh'], ['an'], true)).toBe(false);
    expect(inOrder(['nguyen', 'van', 'anh'], ['an'], false)).toBe(true);
    expect(inOrder(['van'], ['van', 'van'], false)).toBe(false);
  });

  it('keeps the name folded and as written, mobiles normalised, the permanent id as key (the DN without one)', () => {
    const r = indexRecordOf({
      dn: 'uid=A,ou=People,dc=x',
      stableId: null,
      username: 'AnNV',
      displayName: 'Nguyễn  Văn-An',
      unit: 'UBND',
      mails: ['A@X.VN', 'a@x.vn'],
      mobiles: ['0912.345.698', '+84 912 345 698', 'not a number'],
      citizenId: '079123456789',
      taxCode: '0314409058-002',
      socialInsuranceCode: null,
    });
    expect(r.key).toMatch(/^dn:/u);
    expect(r.words).toEqual(['nguyen', 'van', 'an']);
    expect(r.written).toEqual(['nguyễn', 'văn', 'an']);
    expect(r.values).toEqual([
      { kind: 'username', value: 'annv' },
      { kind: 'email', value: 'a@x.vn' },
      { kind: 'phone', value: '0912345698' },
      { kind: 'citizenId', value: '079123456789' },
      { kind: 'taxCode', value: '0314409058-002' },
    ]);
    expect(indexRecordOf({ ...baseSource, stableId: 'u-1' }).key).toBe('u-1');
  });

  it('an index is used only while refreshed recently enough', () => {
    const at = new Date('2026-12-01T00:00:00Z');
    const state = { builtAt: at, refreshedAt: at, sweptAt: at, accounts: 1, mark: null, partial: false };
    expect(indexUsable(null, at)).toBe(false);
    expect(indexUsable(state, new Date(at.getTime() + INDEX_MAX_AGE_MS))).toBe(true);
    expect(indexUsable(state, new Date(at.getTime() + INDEX_MAX_AGE_MS + 1))).toBe(false);
  });

  it('the work due is judged on the index\'s own times: a build without one, else a sweep and a delta when each is due', () => {
    const at = new Date('2026-12-01T00:00:00Z');
    const later = (ms: number) => new Date(at.getTime() + ms);
    const state = { builtAt: at, refreshedAt: at, sweptAt: at, accounts: 1, mark: '20261201000000Z;1', partial: false };
    expect(indexWorkDue(null, at)).toEqual(['build']);
    expect(indexWorkDue({ ...state, mark: null }, at)).toEqual(['build']);
    // Refreshed a minute ago (by this workstation or another of the team): nothing to do.
    expect(indexWorkDue(state, later(60_000))).toEqual([]);
    expect(indexWorkDue(state, later(INDEX_REFRESH_MS))).toEqual(['delta']);
    expect(indexWorkDue({ ...state, refreshedAt: later(INDEX_SWEEP_MS - 1000) }, later(INDEX_SWEEP_MS))).toEqual(['sweep']);
    expect(indexWorkDue(state, later(INDEX_SWEEP_MS))).toEqual(['sweep', 'delta']);
  });
});

const baseSource = { dn: 'uid=b,dc=x', stableId: null, username: 'b', displayName: 'B', unit: null, mails: [], mobiles: [], citizenId: null, taxCode: null, socialInsuranceCode: null };
