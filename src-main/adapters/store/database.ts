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
  // 2: one-time codes — send slots per account and day, the current code of each case, wrong entries
  `CREATE TABLE otp_sends (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     account_key TEXT NOT NULL,
     day TEXT NOT NULL,
     at_ms INTEGER NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('reserved', 'sent', 'released'))
   );
   CREATE INDEX otp_sends_account_day ON otp_sends (account_key, day);
   CREATE TABLE otp_codes (
     case_id TEXT PRIMARY KEY,
     account_key TEXT NOT NULL,
     channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
     code_hash TEXT NOT NULL,
     sent_ms INTEGER NOT NULL,
     expires_ms INTEGER NOT NULL,
     used_ms INTEGER,
     void_ms INTEGER
   );
   CREATE TABLE otp_wrong (
     account_key TEXT NOT NULL,
     day TEXT NOT NULL,
     count INTEGER NOT NULL,
     PRIMARY KEY (account_key, day)
   );`,
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
