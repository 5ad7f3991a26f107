import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SqliteSearchIndex } from '../src-main/adapters/store/sqlite-search-index';
import { migrateTeamStore } from '../src-main/adapters/team/migrations';
import { poolConfig, TeamPool } from '../src-main/adapters/team/pool';
import { PgSearchIndex, searchIndexKey } from '../src-main/adapters/team/search-index';
import { indexRecordOf } from '../src-main/domain/search-index';
import { nameMatches } from '../src-main/domain/search-query';
import { nameWords } from '../src-main/domain/text';
import { generateDirectoryLdif } from '../scripts/training-data';
import { startPostgres } from '../test/helpers/postgres';

const N = Number(process.env.N ?? 10000);
const db = await startPostgres({ durable: false });
try {
  const owner = new pg.Client(poolConfig({ url: `postgres://${db.owner.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'x' }, db.owner.password));
  await owner.connect();
  await migrateTeamStore(owner, db.app.user);
  await owner.end();
  const pool = new TeamPool({ url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'x' }, db.app.password);
  await pool.open();
  const key = searchIndexKey(randomBytes(32));
  const dir = mkdtempSync(join(tmpdir(), 'rep-'));
  const idx = await new PgSearchIndex(pool, 'p', key, new SqliteSearchIndex(join(dir, 'r.sqlite'), key)).open();
  const ldif = generateDirectoryLdif({ count: N }).replace(/\r?\n /gu, '');
  const names: string[] = [];
  for (const m of ldif.matchAll(/^cn(::?) (.+)$/gmu)) names.push(m[1] === '::' ? Buffer.from(m[2]!, 'base64').toString('utf8') : m[2]!);
  const recs = names.map((n, i) => indexRecordOf({ dn: `uid=u${i},dc=x`, stableId: `id-${i}`, username: `u${i}`, displayName: n, unit: null, mails: [], mobiles: [], citizenId: null, taxCode: null, socialInsuranceCode: null }));
  const b = await idx.startBuild();
  for (let i = 0; i < recs.length; i += 500) await b.add(recs.slice(i, i + 500));
  await b.finish('m', false, new Date());
  console.log('state', await idx.state());
  await idx.caughtUp();
  const pgCount = await db.admin('SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM search_accounts');
  console.log(pgCount.rows);
  for (const q of ['nguyen van', 'tran thi', 'n']) {
    const words = nameWords(q);
    console.log(q, (await idx.search([{ kind: 'name', words }], q, 5))?.total, names.filter((n) => nameMatches(n, words)).length);
  }
  const rep = new SqliteSearchIndex(join(dir, 'r.sqlite'), key);
  const have = await rep.keys();
  console.log('replica keys', have.size, rep.replicaMark());
  const all = await db.admin<{ key: string; seq: string }>('SELECT key, seq::text FROM search_accounts ORDER BY seq');
  const missing = all.rows.filter((r) => !have.has(r.key));
  console.log('missing seq', missing[0], missing.at(-1), missing.length);
  await pool.close();
} finally {
  await db.stop();
}
