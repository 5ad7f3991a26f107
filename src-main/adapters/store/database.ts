import Database from 'better-sqlite3';
import { HelpdeskError } from '../../domain/errors';

export type Db = Database.Database;

/**
 * A write SQLite could not make, as a contract error: STORAGE_FULL when the disk (or the quota) is full,
 * STORAGE_ERROR when the file could not be written (I/O error, read-only). The failed statement or
 * transaction was rolled back by SQLite: nothing of it is in the file. Anything else is returned as is.
 */
export function storageError(err: unknown): unknown {
  if (!(err instanceof Database.SqliteError)) return err;
  const code = err.code;
  if (code === 'SQLITE_FULL') return new HelpdeskError('STORAGE_FULL', { detail: code, cause: err });
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN') {
    return new HelpdeskError('STORAGE_ERROR', { detail: code, cause: err });
  }
  return err;
}

/** Runs a write, with its SQLite failures mapped by storageError. */
export function writing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw storageError(err);
  }
}

/** The trigger that keeps rows from being deleted (dropped and recreated only by a retention purge). */
export const AUDIT_NO_DELETE_TRIGGER = "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;";

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
  // 3: tamper-evident audit — every row chained to the previous one by an HMAC (key in the keychain).
  // Rows of the v1 table move into the chain the first time the audit log opens with its key.
  `DROP TRIGGER audit_no_update;
   DROP TRIGGER audit_no_delete;
   DROP INDEX audit_at;
   ALTER TABLE audit RENAME TO audit_unchained;
   CREATE TABLE audit (
     seq INTEGER PRIMARY KEY,
     at TEXT NOT NULL,
     operator TEXT,
     action TEXT NOT NULL,
     outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'refused')),
     target TEXT,
     unit TEXT,
     case_id TEXT,
     detail TEXT NOT NULL DEFAULT '{}',
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );
   CREATE INDEX audit_at ON audit (at);
   CREATE INDEX audit_target ON audit (target, seq);
   CREATE INDEX audit_operator ON audit (operator, seq);
   CREATE INDEX audit_case ON audit (case_id, seq);
   CREATE INDEX audit_unit ON audit (unit, seq);
   CREATE INDEX audit_action ON audit (action, seq);
   CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
   ${AUDIT_NO_DELETE_TRIGGER}`,
  // 4: each code counts its own wrong entries (the day's count starts again at VN midnight; a code's does not)
  `ALTER TABLE otp_codes ADD COLUMN wrong INTEGER NOT NULL DEFAULT 0;`,
  // 5: the audit view filtered by action and outcome (every refused unlock, every code.send ok) reads an
  // index that holds both, newest first, instead of the action's rows one by one (100 ms on 1M rows)
  `CREATE INDEX audit_action_outcome ON audit (action, outcome, seq);`,
  // 6: sends counted per channel for the spacing (the daily cap counts both); a send recorded before has
  // no channel and counts as the last send of both
  `ALTER TABLE otp_sends ADD COLUMN channel TEXT CHECK (channel IN ('sms', 'email'));`,
];

/** Opens (and migrates) the app database: WAL journal, synchronous FULL so an audit row survives a crash. */
export function openDatabase(file: string): Db {
  const db = new Database(file);
  try {
    // Read before anything writes: a corrupt file or a newer schema is refused with the file untouched.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw new Error(`database schema ${version} is newer than this app (${MIGRATIONS.length}): ${file}`);
  } catch (err) {
    db.close();
    throw err;
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/** Applies the migrations up to `target` (all by default; tests build older schemas with it). */
export function migrate(db: Db, target = MIGRATIONS.length): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema ${current} is newer than this app (${MIGRATIONS.length})`);
  }
  for (let v = current; v < target; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;
