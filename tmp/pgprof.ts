import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateTeamStore } from '../src-main/adapters/team/migrations';
import { poolConfig, TeamPool } from '../src-main/adapters/team/pool';
import { PgSearchIndex, searchIndexKey } from '../src-main/adapters/team/search-index';
import { indexRecordOf } from '../src-main/domain/search-index';
import { nameWords } from '../src-main/domain/text';
import { generateDirectoryLdif } from '../scripts/training-data';
import { startPostgres } from '../test/helpers/postgres';

const N = Number(process.env.N ?? 10000);
const db = await startPostgres({ durable: true });
try {
  const owner = new pg.Client(poolConfig({ url: `postgres://${db.owner.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'x' }, db.owner.password));
  await owner.connect();
  await migrateTeamStore(owner, db.app.user);
  await owner.end();
  const pool = new TeamPool({ url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'x' }, db.app.password);
  await pool.open();
  const idx = await new PgSearchIndex(pool, 'p', searchIndexKey(randomBytes(32))).open();
  const ldif = generateDirectoryLdif({ count: N }).replace(/\r?\n /gu, '');
  const names: string[] = [];
  for (const m of ldif.matchAll(/^cn(::?) (.+)$/gmu)) names.push(m[1] === '::' ? Buffer.from(m[2]!, 'base64').toString('utf8') : m[2]!);
  let t0 = performance.now();
  const b = await idx.startBuild();
  await b.add(names.map((n, i) => indexRecordOf({ dn: `uid=u${i},dc=x`, stableId: `id-${i}`, username: `u${i}`, displayName: n, unit: null, mails: [], mobiles: ['0912345678'], citizenId: String(100000000000 + i), taxCode: null, socialInsuranceCode: null })));
  await b.finish('m', false, new Date());
  console.log('build', (performance.now() - t0).toFixed(0), 'ms');
  await db.admin('VACUUM ANALYZE search_accounts');
  for (const q of ['nguyen van', 'nguyen', 'hương', 'nguyễn thị lan', 'tran thi']) {
    const words = nameWords(q);
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      t0 = performance.now();
      await idx.search([{ kind: 'name', words }], q, 50);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(q, 'p50', times[15]!.toFixed(2));
  }
  const rt: number[] = [];
  for (let i = 0; i < 30; i++) {
    t0 = performance.now();
    await pool.read((c) => c.query('SELECT 1'));
    rt.push(performance.now() - t0);
  }
  rt.sort((a, b) => a - b);
  console.log('SELECT 1 p50', rt[15]!.toFixed(2));
  const ex = async (sql: string, params: unknown[]) => {
    const r = await pool.read((c) => c.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params));
    console.log(r.rows.map((x) => x['QUERY PLAN']).join('\n'));
  };
  await ex("SELECT count(*) FROM search_accounts WHERE profile = $1 AND toks @@ $2::tsquery", ['p', "'nguyen_van':*"]);
  await ex("SELECT count(*) FROM search_accounts WHERE profile = $1 AND toks @@ $2::tsquery", ['p', "'nguyen':*"]);
  await ex("SELECT key, dn, stable_id, folded FROM search_accounts WHERE profile = $1 AND toks @@ $2::tsquery AND written LIKE $3 LIMIT 50", ['p', "'_nguyễn' & '_văn'", '% nguyễn % văn %']);
  await pool.close();
} finally {
  await db.stop();
}
