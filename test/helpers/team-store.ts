import pg from 'pg';
import { migrateTeamStore } from '../../src-main/adapters/team/migrations';
import { poolConfig, TeamPool } from '../../src-main/adapters/team/pool';
import type { PostgresHandle } from './postgres';

/** Creates the team store's schema as the owner role (over TLS, verified), as `npm run team:migrate` does. */
export async function migrateTeam(db: PostgresHandle): Promise<void> {
  const owner = new pg.Client(poolConfig({ url: `postgres://${db.owner.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'admin' }, db.owner.password));
  await owner.connect();
  try {
    await migrateTeamStore(owner, db.app.user);
  } finally {
    await owner.end();
  }
}

/** A workstation's pool on the team store, signed in as the app's role; opened (schema checked). */
export async function teamPoolOf(db: PostgresHandle, workstation: string): Promise<TeamPool> {
  const pool = new TeamPool({ url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation }, db.app.password);
  await pool.open();
  return pool;
}
