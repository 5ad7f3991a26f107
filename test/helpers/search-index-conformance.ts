import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchIndex } from '../../src-main/domain/ports';
import { indexRecordOf } from '../../src-main/domain/search-index';
import { nameMatches } from '../../src-main/domain/search-query';
import { nameWords } from '../../src-main/domain/text';
import { generateDirectoryLdif, mulberry32 } from '../../scripts/training-data';

/**
 * What every SearchIndex adapter must do (SQLite's on a workstation, the team store's on PostgreSQL),
 * against the rule it stands for: for many queries its count is exactly the number of names nameMatches
 * accepts (in order, starts of words), and its hits are among them; removals and upserts by key.
 */
export function searchIndexConformance(label: string, open: () => Promise<{ index: SearchIndex; close: () => Promise<void> }>): void {
  const names: string[] = [];
  let index: SearchIndex;
  let close: () => Promise<void> = async () => undefined;
  const record = (i: number, name: string, dn = `uid=u${i},dc=x`) =>
    indexRecordOf({ dn, stableId: `id-${i}`, username: `u${i}`, displayName: name, unit: null, mails: [], mobiles: [], citizenId: null, taxCode: null, socialInsuranceCode: null });

  beforeAll(async () => {
    const ldif = generateDirectoryLdif({ count: 3000 }).replace(/\r?\n /gu, '');
    for (const m of ldif.matchAll(/^cn(::?) (.+)$/gmu)) names.push(m[1] === '::' ? Buffer.from(m[2]!, 'base64').toString('utf8') : m[2]!);
    names.push('Trần Văn Nguyên', 'Nguyễn Thị Trang', 'Văn Văn', 'Đỗ Đức Độ', 'A B C D E F');
    ({ index, close } = await open());
    const b = await index.startBuild();
    await b.add(names.map((n, i) => record(i, n)));
    await b.finish('20261201000000Z;3', false, new Date());
  }, 120_000);

  afterAll(async () => {
    await close();
  });

  describe(`${label} counts what nameMatches accepts`, () => {
    const fixed = ['nguyen van', 'tran thi', 'nguyen an', 'van nguyen', 'van van', 'do duc do', 'n', 'ng th', 'a b c d', 'b d f', 'a c e f', 'trang', 'x', 'nguyen van an', 'd d d'];
    it.each(fixed)('%s', async (q) => {
      const words = nameWords(q);
      const truth = names.filter((n) => nameMatches(n, words));
      const r = (await index.search([{ kind: 'name', words }], q, 50))!;
      expect(r.total).toBe(truth.length);
      expect(r.hits.length).toBe(Math.min(50, truth.length));
      for (const h of r.hits) expect(nameMatches(names[Number(h.key.slice(3))]!, words)).toBe(true);
    });

    it('and for 300 random queries of one to four word starts taken from the names', async () => {
      const random = mulberry32(15);
      for (let i = 0; i < 300; i++) {
        const w = nameWords(names[Math.floor(random() * names.length)]!);
        const pick = w.filter(() => random() < 0.7).slice(0, 4).map((x) => x.slice(0, 1 + Math.floor(random() * x.length)));
        if (pick.length === 0) continue;
        const truth = names.filter((n) => nameMatches(n, pick)).length;
        expect((await index.search([{ kind: 'name', words: pick }], pick.join(' '), 20))!.total, pick.join(' ')).toBe(truth);
      }
    }, 60_000);

    it('ranks the spelling as typed first: "nguyễn thị trang" finds Nguyễn Thị Trang in the first tier', async () => {
      const r = (await index.search([{ kind: 'name', words: ['nguyen', 'thi', 'trang'] }], 'nguyễn thị trang', 5))!;
      expect(r.hits[0]!.tier).toBe(0);
      expect(names[Number(r.hits[0]!.key.slice(3))]).toBe('Nguyễn Thị Trang');
    });

    it('a removed record is neither counted nor found; an upsert under the same key replaces it', async () => {
      const words = ['tran', 'van', 'nguyen'];
      const key = `id-${names.indexOf('Trần Văn Nguyên')}`;
      const before = (await index.search([{ kind: 'name', words }], '', 5))!.total;
      expect(before).toBe(names.filter((n) => nameMatches(n, words)).length);
      const held = (await index.state())!.accounts;
      await index.remove([key]);
      expect((await index.search([{ kind: 'name', words }], '', 5))!.total).toBe(before - 1);
      expect((await index.state())!.accounts).toBe(held - 1);
      await index.upsert([record(names.indexOf('Trần Văn Nguyên'), 'Trần Văn Nguyên', 'uid=moved,dc=x')]);
      await index.upsert([record(names.indexOf('Trần Văn Nguyên'), 'Trần Văn Nguyên', 'uid=moved2,dc=x')]);
      const r = (await index.search([{ kind: 'name', words }], '', 50))!;
      expect(r.total).toBe(before);
      expect(r.hits.filter((h) => h.key === key).map((h) => h.dn)).toEqual(['uid=moved2,dc=x']);
      expect((await index.state())!.accounts).toBe(held);
      expect(await index.keys()).toContain(key);
    });

    it('finds an identifier exactly, whatever the name, and first', async () => {
      const rec = indexRecordOf({ dn: 'uid=phone,dc=x', stableId: 'id-phone', username: 'phone', displayName: 'Nguyễn Văn Điện', unit: null, mails: ['a.b@x.gov.vn'], mobiles: ['0912.345.698'], citizenId: '001203004005', taxCode: null, socialInsuranceCode: null });
      await index.upsert([rec]);
      const r = (await index.search([{ kind: 'phone', national: '0912345698' }], '0912345698', 5))!;
      expect(r.hits.map((h) => [h.key, h.tier])).toEqual([['id-phone', -1]]);
      expect((await index.search([{ kind: 'citizenId', value: '001203004005' }], '001203004005', 5))!.hits.map((h) => h.key)).toEqual(['id-phone']);
      expect((await index.search([{ kind: 'citizenId', value: '001203004006' }], '001203004006', 5))!.total).toBe(0);
      await index.remove(['id-phone']);
    });

    it('a build replaces what it did not read: the records it did not add are gone when it finishes', async () => {
      const b = await index.startBuild();
      await b.add(names.slice(0, 100).map((n, i) => record(i, n)));
      await b.finish('20261202000000Z;4', false, new Date());
      expect((await index.state())!.accounts).toBe(100);
      expect((await index.state())!.mark).toBe('20261202000000Z;4');
      const words = ['n'];
      expect((await index.search([{ kind: 'name', words }], 'n', 5))!.total).toBe(names.slice(0, 100).filter((n) => nameMatches(n, words)).length);
    });
  });
}
