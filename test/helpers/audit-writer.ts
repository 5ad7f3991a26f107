/**
 * Child process for the durability test: appends `count` audit events to the database given,
 * printing `ack <seq>` to stdout after each append returns (i.e. once the app would go on).
 * The chain key comes in HELPDESK_AUDIT_KEY (hex). The parent kills it with SIGKILL mid-way.
 */
import { newAuditKey, SqliteAuditLog } from '../../src-main/adapters/store/audit-store';
import { openDatabase } from '../../src-main/adapters/store/database';

const [file, countText] = process.argv.slice(2);
const key = process.env.HELPDESK_AUDIT_KEY ? Buffer.from(process.env.HELPDESK_AUDIT_KEY, 'hex') : newAuditKey();
const log = new SqliteAuditLog(openDatabase(file!), { now: () => new Date() }, key);
const count = Number(countText);
for (let i = 1; i <= count; i++) {
  await log.append({ operator: 'tongdai01', action: 'directory.search', outcome: 'ok', detail: { readAs: 'username', results: i } });
  process.stdout.write(`ack ${(await log.head())!.seq}\n`);
}
// Stay alive until the parent kills it: the kill may land mid-write or after the last append.
setInterval(() => undefined, 1000);
