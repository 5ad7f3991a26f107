import { startPostgres } from '../test/helpers/postgres';
const db = await startPostgres({ durable: true });
try {
  console.log((await db.admin('SELECT version()')).rows[0]);
  await db.admin(`CREATE TABLE t (id int, toks tsvector, pad text)`);
  await db.admin(`INSERT INTO t SELECT g, array_to_tsvector(ARRAY['w' || (g % 20), 'x' || (g % 7)]), repeat('x', 200) FROM generate_series(1, 300000) g`);
  await db.admin(`CREATE INDEX ON t USING gin (toks) WITH (fastupdate = off)`);
  await db.admin(`VACUUM ANALYZE t`);
  const r = await db.admin(`EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM t WHERE toks @@ 'w1:*'::tsquery`);
  console.log(r.rows.map((x) => x['QUERY PLAN']).join('\n'));
  const r2 = await db.admin(`EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM t WHERE toks @@ 'w13'::tsquery`);
  console.log(r2.rows.map((x) => x['QUERY PLAN']).join('\n'));
} finally {
  await db.stop();
}
