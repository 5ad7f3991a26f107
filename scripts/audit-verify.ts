/**
 * Walks the audit chain of a Helpdesk database and names the first row that does not check out.
 *
 *   npm run audit:verify -- <helpdesk.sqlite> [--head <seq>:<hash>]
 *
 * The chain key is read from the OS keychain of the user running it (the same entry the app uses);
 * HELPDESK_AUDIT_KEY (hex) overrides it, for a verification on another machine. `--head` is a head the
 * supervisor exported earlier (Nhật ký → Xuất đầu chuỗi): rows cut from the end are then detected too.
 * Exit code: 0 the chain verifies, 1 it does not, 2 the check could not run (the message says why).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { KeytarSecretStore } from '../src-main/adapters/secrets/keytar-secret-store';
import { verifyAuditChain } from '../src-main/adapters/store/audit-store';
import { SCHEMA_VERSION } from '../src-main/adapters/store/database';
import { AUDIT_KEY_NAME } from '../src-main/app/runtime';
import type { AuditHead } from '../src-main/domain/ports';

class Refusal extends Error {}

function parseHead(text: string): AuditHead {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/iu.exec(text.trim());
  if (!m) throw new Refusal('--head must be <seq>:<64 hex digits>, as exported (e.g. 1042:3fa9…)');
  return { seq: Number(m[1]), hash: m[2]!.toLowerCase() };
}

async function chainKey(): Promise<Buffer> {
  const given = process.env.HELPDESK_AUDIT_KEY;
  if (given !== undefined) {
    if (!/^[0-9a-f]{64,}$/iu.test(given)) throw new Refusal('HELPDESK_AUDIT_KEY must be the key in hex (64 digits or more)');
    return Buffer.from(given, 'hex');
  }
  const store = new KeytarSecretStore();
  if (!(await store.available())) throw new Refusal('the OS keychain cannot be reached: run this in the desktop session of the Helpdesk user, or set HELPDESK_AUDIT_KEY');
  const stored = await store.get(AUDIT_KEY_NAME);
  if (!stored) throw new Refusal('no audit key in this keychain: verify on the machine (and user) the audit was written on');
  return Buffer.from(stored, 'hex');
}

function openReadOnly(file: string): Database.Database {
  if (!existsSync(file)) throw new Refusal(`no such file: ${file}`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Refusal(`the database is from a newer Helpdesk (schema ${version}, this one knows ${SCHEMA_VERSION}): use that version`);
    if (version < 3) throw new Refusal(`the database has no audit chain yet (schema ${version}): open it once with the app`);
    db.prepare('SELECT seq, prev_hash, hash FROM audit LIMIT 1').all();
    return db;
  } catch (err) {
    if (err instanceof Refusal) throw err;
    throw new Refusal(`not a readable Helpdesk database: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { head: { type: 'string' } } });
  if (positionals.length !== 1) throw new Refusal('usage: npm run audit:verify -- <helpdesk.sqlite> [--head <seq>:<hash>]');
  const head = values.head === undefined ? undefined : parseHead(values.head);
  const db = openReadOnly(positionals[0]!);
  try {
    const report = verifyAuditChain(db, await chainKey(), head);
    const at = report.head ? `head ${report.head.seq}:${report.head.hash}` : 'empty';
    if (report.ok) {
      process.stdout.write(`audit chain OK: ${report.rows} rows, ${at}${head ? `, matches the exported head ${head.seq}` : ''}\n`);
      return 0;
    }
    process.stdout.write(`audit chain BROKEN: ${report.problemCount} problem(s) in ${report.rows} rows, ${at}\n`);
    process.stdout.write(`first bad row: seq ${report.firstBad}\n`);
    for (const p of report.problems) process.stdout.write(`  seq ${p.seq}: ${DESCRIPTIONS[p.problem]}\n`);
    if (report.problems.length < report.problemCount) process.stdout.write(`  … and ${report.problemCount - report.problems.length} more\n`);
    return 1;
  } finally {
    db.close();
  }
}

const DESCRIPTIONS = {
  hash: 'content changed (hash does not match)',
  link: 'link to the previous row broken',
  missing: 'row missing (deleted)',
  truncated: 'rows missing after this point (the chain was cut short of the exported head)',
  head: 'differs from the exported head',
} as const;

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify: ${err instanceof Refusal ? err.message : `failed: ${err instanceof Error ? err.message : String(err)}`}\n`);
    process.exit(2);
  },
);
