import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MemorySecretStore } from '../src-main/adapters/secrets/keytar-secret-store';
import { migrateTeamStore } from '../src-main/adapters/team/migrations';
import { poolConfig, TeamPool } from '../src-main/adapters/team/pool';
import { createRuntime } from '../src-main/app/runtime';
import type { AccountSummary } from '../src-main/common/dto';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../scripts/training-data';
import { startPostgres } from '../test/helpers/postgres';
import { sessionSettings } from '../test/helpers/session-settings';
import { startSlapd } from '../test/helpers/slapd';
import { startHttpSmsSink } from '../test/helpers/sms-sinks';

const BASE = 'dc=daotao,dc=gov,dc=vn';
const ESMS = { apiKey: 'k-cases-123456', secretKey: 's-cases-123456' };
let queries = 0;
const orig = TeamPool.prototype.read;
TeamPool.prototype.read = function (fn) { queries++; return orig.call(this, fn); } as typeof orig;
const [slapd, sms, db] = await Promise.all([startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE, count: 200 }) }), startHttpSmsSink({ esms: ESMS }), startPostgres({ durable: true })]);
try {
  const owner = new pg.Client(poolConfig({ url: db.url(db.owner).replace(/:[^:@]*@/u, '@'), caCertificate: db.caPem, workstation: 'admin' }, db.owner.password));
  await owner.connect(); await migrateTeamStore(owner, db.app.user); await owner.end();
  const settings = sessionSettings({ slapd, baseDn: BASE, sms, smsTimeoutMs: 3000 });
  const rt = await createRuntime({ dataDir: mkdtempSync(join(tmpdir(), 'prof-')), resourcesDir: join(process.cwd(), 'resources'), secrets: new MemorySecretStore(), version: 'test' });
  await rt.api.settings.save({ settings, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS) });
  const found = await rt.api.directory.search({ query: '', kind: 'auto' }).catch(() => null);
  void found;
  const run = async (label: string) => {
    await rt.api.session.signIn({ username: 'tongdai01', password: TRAINING_OPERATOR_PASSWORD });
    const steps: Record<string, number[]> = {};
    const q: Record<string, number[]> = {};
    const list = await rt.api.directory.search({ query: 'nguyen', kind: 'name' });
    const all = list.ok ? (list.value.items as AccountSummary[]).filter((x) => x.mobile.status === 'present').map((x) => x.username) : [];
    const uids = label === 'sqlite' ? all.slice(0, 20) : all.slice(20, 40);
    for (let i = 0; i < uids.length; i++) {
      const t = async <T>(name: string, f: () => Promise<T>) => { const q0 = queries; const s = performance.now(); const r = await f(); (steps[name] ??= []).push(performance.now() - s); (q[name] ??= []).push(queries - q0); return r; };
      const f = await t('search', () => rt.api.directory.search({ query: uids[i]!, kind: 'username' }));
      const id = (f.ok ? (f.value.items[0] as AccountSummary).id : '');
      const o = await t('open', () => rt.api.cases.open({ accountId: id, reason: 'x' }));
      if (!o.ok) { console.log('open', o.error); continue; }
      const sres = await t('send', () => rt.api.cases.sendCode({ caseId: o.value.id, channel: 'sms' }));
      if (!sres.ok) { console.log('send', sres.error); await rt.api.cases.close({ caseId: o.value.id, outcome: 'abandoned' }); continue; }
      const code = /\b(\d{6})\b/u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
      await t('verify', () => rt.api.cases.verifyCode({ caseId: o.value.id, code }));
      await t('gate', () => rt.api.cases.gate({ caseId: o.value.id }));
      await t('close', () => rt.api.cases.close({ caseId: o.value.id, outcome: 'done' }));
    }
    console.log(label);
    for (const k of Object.keys(steps)) { const a = steps[k]!.sort((x, y) => x - y); console.log(' ', k.padEnd(8), 'median ms', a[Math.floor(a.length / 2)]!.toFixed(2), 'queries', q[k]!.join(',')); }
  };
  await run('sqlite');
  await rt.api.session.signIn({ username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD });
  const j = await rt.api.team.join({ team: { url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'P' }, password: db.app.password });
  if (!j.ok) throw new Error(j.error.code);
  sms.reset();
  await run('team');
  await rt.close();
} finally {
  await Promise.all([slapd.stop(), sms.close(), db.stop()]);
}
