import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteSearchIndex } from '../../src-main/adapters/store/sqlite-search-index';
import { indexRecordOf } from '../../src-main/domain/search-index';
import { nameMatches } from '../../src-main/domain/search-query';
import { nameWords } from '../../src-main/domain/text';
import { generateDirectoryLdif, mulberry32 } from '../../scripts/training-data';

// The SQLite FTS5 index against the rule it stands for: for many queries, its count is exactly the number
// of names nameMatches accepts (in order, starts of words), and its hits are among them.
const names: string[] = [];
let dir: string;
let index: SqliteSearchIndex;

beforeAll(() => {
  const ldif = generateDirectoryLdif({ count: 3000 }).replace(/\r?\n /gu, '');
  for (const m of ldif.matchAll(/^cn(::?) (.+)$/gmu)) names.push(m[1] === '::' ? Buffer.from(m[2]!, 'base64').toString('utf8') : m[2]!);
  names.push('Trần Văn Nguyên', 'Nguyễn Thị Trang', 'Văn Văn', 'Đỗ Đức Độ', 'A B C D E F');
  dir = mkdtempSync(join(tmpdir(), 'helpdesk-index-unit-'));
  index = new SqliteSearchIndex(join(dir, 'i.sqlite'), randomBytes(32));
  const b = index.startBuild();
  b.add(names.map((n, i) => indexRecordOf({ dn: `uid=u${i},dc=x`, stableId: `id-${i}`, username: `u${i}`, displayName: n, unit: null, mails: [], mobiles: [], citizenId: null, taxCode: null, socialInsuranceCode: null })));
  b.finish('20261201000000Z;3', false, new Date());
});

afterAll(() => {
  index?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the SQLite search index counts what nameMatches accepts', () => {
  const fixed = ['nguyen van', 'tran thi', 'nguyen an', 'van nguyen', 'van van', 'do duc do', 'n', 'ng th', 'a b c d', 'b d f', 'a c e f', 'trang', 'x', 'nguyen van an', 'd d d'];
  it.each(fixed)('%s', (q) => {
    const words = nameWords(q);
    const truth = names.filter((n) => nameMatches(n, words));
    const r = index.search([{ kind: 'name', words }], q, 50)!;
    expect(r.total).toBe(truth.length);
    expect(r.hits.length).toBe(Math.min(50, truth.length));
    for (const h of r.hits) expect(nameMatches(names[Number(h.key.slice(3))]!, words)).toBe(true);
  });

  it('and for 300 random queries of one to four word starts taken from the names', () => {
    const random = mulberry32(15);
    for (let i = 0; i < 300; i++) {
      const w = nameWords(names[Math.floor(random() * names.length)]!);
      const pick = w.filter(() => random() < 0.7).slice(0, 4).map((x) => x.slice(0, 1 + Math.floor(random() * x.length)));
      if (pick.length === 0) continue;
      const truth = names.filter((n) => nameMatches(n, pick)).length;
      expect(index.search([{ kind: 'name', words: pick }], pick.join(' '), 20)!.total, pick.join(' ')).toBe(truth);
    }
  });

  it('a removed record is neither counted nor found; an upsert under the same key replaces it', () => {
    const words = ['tran', 'van', 'nguyen'];
    expect(index.search([{ kind: 'name', words }], 'tran van nguyen', 5)!.total).toBe(names.filter((n) => nameMatches(n, words)).length);
    const key = `id-${names.indexOf('Trần Văn Nguyên')}`;
    const before = index.search([{ kind: 'name', words }], '', 5)!.total;
    index.remove([key]);
    expect(index.search([{ kind: 'name', words }], '', 5)!.total).toBe(before - 1);
    index.upsert([indexRecordOf({ dn: 'uid=moved,dc=x', stableId: key, username: 'moved', displayName: 'Trần Văn Nguyên', unit: null, mails: [], mobiles: [], citizenId: null, taxCode: null, socialInsuranceCode: null })]);
    index.upsert([indexRecordOf({ dn: 'uid=moved2,dc=x', stableId: key, username: 'moved', displayName: 'Trần Văn Nguyên', unit: null, mails: [], mobiles: [], citizenId: null, taxCode: null, socialInsuranceCode: null })]);
    const r = index.search([{ kind: 'name', words }], '', 50)!;
    expect(r.total).toBe(before);
    expect(r.hits.filter((h) => h.key === key).map((h) => h.dn)).toEqual(['uid=moved2,dc=x']);
  });
});
