/**
 * `npm run bench`: lookups through the contract vs raw ldapts on the same slapd seeded with 100,000
 * accounts (p50/p95 and the ratio), the whole case, the audit (durable appends vs raw inserts, a query
 * on 1,000,000 rows, 100,000-row exports), and the renderer's initial JavaScript gzipped.
 * Figures are ratios against a floor measured in the same run, plus absolute values.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AndFilter, Attribute, Change, Client, EqualityFilter, type Filter, OrFilter } from 'ldapts';
import { LdapDirectory } from '../src-main/adapters/ldap/ldap-directory';
import { newAuditKey, SqliteAuditLog } from '../src-main/adapters/store/audit-store';
import { openDatabase } from '../src-main/adapters/store/database';
import type { QueryKind } from '../src-main/common/dto';
import { parseSearchQuery } from '../src-main/domain/search-query';
import { MemorySecretStore } from '../src-main/adapters/secrets/keytar-secret-store';
import { dispatch, pathEntry } from '../src-main/app/dispatch';
import { createRuntime } from '../src-main/app/runtime';
import { type Settings } from '../src-main/common/settings';
import { startHttpSmsSink } from '../test/helpers/sms-sinks';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../scripts/training-data';
import { startSlapd, trainingProfile } from '../test/helpers/slapd';
import { auditBench } from './audit';

const BASE = 'dc=daotao,dc=gov,dc=vn';
const ESMS = { apiKey: 'bench-api-key', secretKey: 'bench-secret-key' };
const COUNT = Number(process.env.BENCH_ACCOUNTS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);
const WARMUP = 50;
const CASES = 200;
const WARMUP_CASES = 20;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(rounds: number, op: (i: number) => Promise<void>, warmup = WARMUP): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < warmup; i++) await op(i);
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await op(i + warmup);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

function pick(ldif: string, re: RegExp, n: number): string[] {
  const all = [...ldif.matchAll(re)].map((m) => m[1]!);
  const step = Math.max(1, Math.floor(all.length / n));
  return all.filter((_, i) => i % step === 0).slice(0, n);
}

function rendererInitialJs(): { files: number; gzipKb: number; rawKb: number } {
  const dir = join(process.cwd(), 'out', 'renderer');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/gu)].map((m) => m[1]!);
  let gz = 0;
  let raw = 0;
  for (const ref of new Set(refs)) {
    const bytes = readFileSync(join(dir, ref.replace(/^\.?\//u, '')));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: new Set(refs).size, gzipKb: gz / 1024, rawKb: raw / 1024 };
}

async function main(): Promise<void> {
  const fmt = (n: number) => n.toFixed(2).padStart(7);
  console.log(`bench: generating ${COUNT} accounts and loading them into slapd…`);
  const t0 = performance.now();
  const ldif = generateDirectoryLdif({ baseDn: BASE, count: COUNT });
  const slapd = await startSlapd({ baseDn: BASE, ldif, quick: true });
  console.log(`bench: slapd ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-bench-'));
  const secrets = new MemorySecretStore();
  const runtime = await createRuntime({ dataDir, resourcesDir: join(process.cwd(), 'resources'), secrets, version: 'bench' });
  const raw = new Client({ url: slapd.url, timeout: 10_000, connectTimeout: 5000 });
  const sms = await startHttpSmsSink({ esms: ESMS });
  try {
    const settings: Settings = {
      version: 1,
      locale: 'vi',
      mode: 'directory',
      sms: { provider: 'esms', url: sms.esmsUrl, brandname: 'BENCH', smsType: '2', timeoutMs: 5000 },
      directory: trainingProfile(slapd, BASE),
    };
    const attrs = settings.directory!.attributes;
    const attributes = [...new Set([...Object.values(attrs), 'pwdAccountLockedTime', 'pwdFailureTime', 'pwdReset', 'pwdChangedTime', 'pwdPolicySubentry', 'createTimestamp'])];
    const api = runtime.api;
    const saved = await api.settings.save({ settings, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS) });
    if (!saved.ok) throw new Error(`settings: ${saved.error.code}`);
    const signed = await api.session.signIn({ username: 'tongdai01', password: TRAINING_OPERATOR_PASSWORD });
    if (!signed.ok) throw new Error(`sign-in: ${signed.error.code}`);
    await raw.bind(slapd.serviceDn, slapd.servicePassword);
    const probe = new LdapDirectory(settings.directory!, slapd.servicePassword);
    const auditDb = openDatabase(join(dataDir, 'audit-probe.sqlite'));
    const auditProbe = new SqliteAuditLog(auditDb, { now: () => new Date() }, newAuditKey());

    const uids = pick(ldif, /^uid: ([a-z0-9.]+)$/gmu, 500);
    const cccds = pick(ldif, /^hdCitizenId: (\d{12})$/gmu, 500);
    const person = new EqualityFilter({ attribute: 'objectClass', value: 'inetOrgPerson' });
    const search = pathEntry('directory/search');

    const cases: { name: string; raw: (i: number) => Filter; input: (i: number) => unknown }[] = [
      {
        name: 'username',
        raw: (i) => new AndFilter({ filters: [person, new EqualityFilter({ attribute: 'uid', value: uids[i % uids.length]! })] }),
        input: (i) => ({ query: uids[i % uids.length]!, kind: 'username' }),
      },
      {
        name: 'CCCD (auto)',
        raw: (i) => new AndFilter({ filters: [person, new OrFilter({ filters: [new EqualityFilter({ attribute: 'hdCitizenId', value: cccds[i % cccds.length]! })] })] }),
        input: (i) => ({ query: cccds[i % cccds.length]! }),
      },
    ];

    console.log('');
    console.log(`lookup on ${COUNT} accounts, ${ROUNDS} rounds each (ms)      p50      p95`);
    const summary: string[] = [];
    for (const c of cases) {
      const floor = await measure(ROUNDS, async (i) => {
        const r = await raw.search(BASE, { scope: 'sub', filter: c.raw(i), attributes, paged: { pageSize: 200 } });
        if (r.searchEntries.length !== 1) throw new Error(`raw ${c.name} found ${r.searchEntries.length}`);
      });
      const app = await measure(ROUNDS, async (i) => {
        const r = await dispatch(api, search, c.input(i));
        if (!r.ok || (r.value as { total: number }).total !== 1) throw new Error(`contract ${c.name}: ${JSON.stringify(r).slice(0, 200)}`);
      });
      // Breakdown: the LDAP adapter alone (no contract, no audit) on the same queries.
      const adapter = await measure(ROUNDS, async (i) => {
        const input = c.input(i) as { query: string; kind?: QueryKind };
        const r = await probe.search(parseSearchQuery(input.query, input.kind ?? 'auto'), 50);
        if (r.total !== 1) throw new Error(`adapter ${c.name} found ${r.total}`);
      });
      console.log(`  raw ldapts   ${c.name.padEnd(14)}                       ${fmt(floor.p50)}  ${fmt(floor.p95)}`);
      console.log(`  adapter      ${c.name.padEnd(14)}                       ${fmt(adapter.p50)}  ${fmt(adapter.p95)}`);
      console.log(`  contract     ${c.name.padEnd(14)}                       ${fmt(app.p50)}  ${fmt(app.p95)}`);
      const ratio50 = app.p50 / floor.p50;
      const ratio95 = app.p95 / floor.p95;
      console.log(`  ratio        ${c.name.padEnd(14)}                       ${fmt(ratio50)}  ${fmt(ratio95)}   (target ≤ 1.20; p95 ≤ 25 ms)`);
      summary.push(`${c.name}: ratio p50 ${ratio50.toFixed(2)} p95 ${ratio95.toFixed(2)}, contract p95 ${app.p95.toFixed(1)} ms`);
    }
    const audit = await measure(ROUNDS, async () => {
      auditProbe.append({ operator: 'bench', action: 'directory.search', outcome: 'ok', detail: { readAs: 'username', results: 1 } });
    });
    console.log(`  audit append (SQLite WAL, synchronous=FULL: one fsync)  ${fmt(audit.p50)}  ${fmt(audit.p95)}`);
    const name = await measure(20, async () => {
      const r = await dispatch(api, search, { query: 'nguyen van an' });
      if (!r.ok) throw new Error('name search failed');
    });
    console.log(`  contract     name "nguyen van an" (unindexed scan)      ${fmt(name.p50)}  ${fmt(name.p95)}`);

    // The whole case, machine time only: lookup → open case → send code (eSMS-shaped gateway on
    // loopback) → read it back → verify → unlock, through the contract, 200 distinct accounts.
    const caseUids: string[] = [];
    for (const uid of uids) {
      if (caseUids.length === CASES) break;
      const f = await api.directory.search({ query: uid, kind: 'username' });
      const a = f.ok ? f.value.items[0] : undefined;
      if (a && a.mobile.status === 'present' && !a.state.disabled) {
        caseUids.push(uid);
        // Locked as failed logins would leave it (not timed): the case ends with a real unlock.
        if (!a.state.locked) {
          const lockedAt = new Date().toISOString().replace(/[-:T]/gu, '').replace(/\.\d+Z$/u, 'Z'); // 20261123155712Z
          await raw.modify(a.id, [new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: [lockedAt] }) })]);
        }
      }
    }
    let k = 0;
    const whole = await measure(CASES - WARMUP_CASES, async () => {
      const uid = caseUids[k++ % caseUids.length]!;
      const found = await api.directory.search({ query: uid, kind: 'username' });
      if (!found.ok || found.value.items.length !== 1) throw new Error(`case lookup ${uid}`);
      const opened = await api.cases.open({ accountId: found.value.items[0]!.id, reason: 'bench' });
      if (!opened.ok) throw new Error(`open ${opened.error.code}`);
      const sent = await api.cases.sendCode({ caseId: opened.value.id, channel: 'sms' });
      if (!sent.ok) throw new Error(`send ${uid}: ${sent.error.code}`);
      const text = (sms.requests.at(-1)!.body as { Content: string }).Content;
      const v = await api.cases.verifyCode({ caseId: opened.value.id, code: /\b(\d{6})\b/u.exec(text)![1]! });
      if (!v.ok || !v.value.verified) throw new Error('verify');
      const u = await api.actions.unlock({ caseId: opened.value.id });
      if (!u.ok) throw new Error(`unlock ${u.error.code}`);
      await api.cases.close({ caseId: opened.value.id, outcome: 'done' });
    }, WARMUP_CASES);
    console.log(`  whole case: lookup → send code → verify → unlock (${CASES - WARMUP_CASES} cases)   ${fmt(whole.p50)}  ${fmt(whole.p95)}   (target p50 ≤ 60 ms)`);
    summary.push(`whole case p50 ${whole.p50.toFixed(1)} ms, p95 ${whole.p95.toFixed(1)} ms`);

    const js = rendererInitialJs();
    console.log('');
    console.log(`renderer initial JS: ${js.files} file(s), ${js.rawKb.toFixed(1)} KB raw, ${js.gzipKb.toFixed(1)} KB gzipped (target ≤ 250 KB)`);
    console.log('');
    await auditBench(summary);
    console.log('');
    for (const s of summary) console.log(`summary ${s}`);
    await probe.close();
    auditDb.close();
  } finally {
    await raw.unbind().catch(() => undefined);
    await runtime.close();
    await slapd.stop();
    await sms.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
