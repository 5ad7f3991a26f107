import Database from 'better-sqlite3';

export type Db = Database.Database;

/** Schema versions, applied in order inside one transaction each; `user_version` records the last. */
const MIGRATIONS: readonly string[] = [
  // 1: append-only audit
  `CREATE TABLE audit (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     operator TEXT,
     action TEXT NOT NULL,
     outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'refused')),
     target TEXT,
     detail TEXT NOT NULL DEFAULT '{}'
   );
   CREATE INDEX audit_at ON audit (at);
   CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
   CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;`,
];

/** Opens (and migrates) the app database: WAL journal, synchronous FULL so an audit row survives a crash. */
export function openDatabase(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema ${current} is newer than this app (${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;
