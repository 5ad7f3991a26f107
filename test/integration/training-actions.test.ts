import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { createRuntime, type Runtime } from '../../src-main/app/runtime';
import { DEFAULT_ACCOUNT_COUNT, TRAINING_FIXTURES, TRAINING_OPERATOR_PASSWORD, TRAINING_OPERATORS } from '../../scripts/training-data';
import { directoryDefaults } from '../../src-main/common/settings';

// Training mode end to end through the contract: the in-process directory and the Outbox relays.
let runtime: Runtime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-training-'));
  runtime = await createRuntime({ dataDir, exportDir: dataDir, resourcesDir: join(process.cwd(), 'resources'), secrets: new MemorySecretStore(), version: 'test' });
  expect((await runtime.api.session.signIn({ username: 'tongdai01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
});
afterAll(async () => {
  await runtime?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('training mode: verify, unlock, reset', () => {
  it('the whole call works with no servers, and the temporary password binds on the training directory', async () => {
    const { api } = runtime;
    const found = await api.directory.search({ query: 'annv', kind: 'username' });
    const account = found.ok ? found.value.items[0]! : null;
    expect(account?.state.locked).toBe(true);
    const opened = await api.cases.open({ accountId: account!.id, reason: 'Đào tạo' });
    const caseId = opened.ok ? opened.value.id : '';
    expect((await api.cases.sendCode({ caseId, channel: 'sms' })).ok).toBe(true);
    const sms = await api.outbox.list({ limit: 1 });
    const text = sms.ok ? sms.value[0]!.text : '';
    expect(sms.ok && sms.value[0]).toMatchObject({ channel: 'sms', to: '84912345698', segments: 1 });
    expect((await api.cases.verifyCode({ caseId, code: /\b(\d{6})\b/u.exec(text)![1]! })).ok).toBe(true);
    expect(await api.actions.unlock({ caseId })).toMatchObject({ ok: true, value: { outcome: 'done', account: { state: { locked: false } } } });
    expect(await api.actions.resetPassword({ caseId })).toMatchObject({
      ok: true,
      value: { outcome: 'done', delivery: { status: 'sent', destination: '09*****98' }, account: { state: { mustChangePassword: true } } },
    });
    const pw = await api.outbox.list({ limit: 1 });
    const temp = /la (\S+) \./u.exec(pw.ok ? pw.value[0]!.text : '')![1]!;
    const info = await api.app.info({});
    const c = new Client({ url: info.ok ? info.value.directory!.url : '', timeout: 5000 });
    await c.bind(account!.id, temp);
    await c.unbind();
  });
});

describe('the audit of a call, through the contract', () => {
  it('a supervisor sees the case timeline, filters by the account, exports it; the chain verifies', async () => {
    const { api } = runtime;
    await api.session.signOut({});
    expect((await api.session.signIn({ username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
    const found = await api.directory.search({ query: 'cty.minhphat', kind: 'username' });
    const opened = await api.cases.open({ accountId: found.ok ? found.value.items[0]!.id : '', reason: 'Phiếu 42: quên mật khẩu' });
    const caseId = opened.ok ? opened.value.id : '';
    expect((await api.cases.sendCode({ caseId, channel: 'email' })).ok).toBe(true);
    const mail = await api.outbox.list({ limit: 1 });
    expect((await api.cases.verifyCode({ caseId, code: /\b(\d{6})\b/u.exec(mail.ok ? mail.value[0]!.text : '')![1]! })).ok).toBe(true);
    expect((await api.cases.close({ caseId, outcome: 'done' })).ok).toBe(true);

    const timeline = await api.audit.timeline({ caseId });
    expect(timeline.ok && timeline.value.map((r) => r.action)).toEqual(['case.open', 'code.send', 'code.verify', 'case.close']);
    expect(timeline.ok && timeline.value[0]).toMatchObject({ operator: 'giamsat01', target: 'cty.minhphat', caseId, detail: { reason: 'Phiếu 42: quên mật khẩu' } });
    expect(timeline.ok && timeline.value[0]!.unit).toBeTruthy();

    const page = await api.audit.query({ filter: { account: 'cty.minhphat', action: 'code.send' } });
    expect(page).toMatchObject({ ok: true, value: { total: 1, rows: [{ action: 'code.send', detail: { channel: 'email' } }] } });
    expect(await api.audit.query({ filter: { from: '2026-11-20', to: '2026-11-01' } })).toEqual({
      ok: false,
      error: { code: 'VALIDATION_FAILED', field: 'filter.to', reason: 'reversed_range' },
    });

    // The page names the file; the main process puts it in its export folder (here the data folder).
    const path = join(dataDir, 'minhphat.csv');
    const exported = await api.audit.export({ filter: { account: 'cty.minhphat' }, format: 'csv', fileName: 'minhphat' });
    expect(exported).toMatchObject({ ok: true, value: { path, rows: 4 } });
    expect(readFileSync(path, 'utf8')).toContain('Phiếu 42: quên mật khẩu');
    // An existing file is never replaced: refused, and the file is as it was.
    const again = await api.audit.export({ filter: {}, format: 'csv', fileName: 'minhphat.csv' });
    expect(again).toMatchObject({ ok: false, error: { code: 'EXPORT_WRITE_FAILED', reason: 'exists' } });
    expect(readFileSync(path, 'utf8')).toContain('Phiếu 42: quên mật khẩu');
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const verified = await api.audit.verify({});
    expect(verified).toMatchObject({ ok: true, value: { ok: true, problemCount: 0 } });
    const head = await api.audit.head({});
    expect(head.ok && head.value!.seq).toBeGreaterThan(verified.ok ? verified.value.rows : 0); // the verify itself was audited
  });

  it('training keeps its own audit: nothing of it is in the production database', async () => {
    const { existsSync } = await import('node:fs');
    const Database = (await import('better-sqlite3')).default;
    expect(existsSync(runtime.trainingDatabasePath)).toBe(true);
    if (existsSync(runtime.databasePath)) {
      const db = new Database(runtime.databasePath, { readonly: true });
      expect(db.prepare('SELECT COUNT(*) AS n FROM audit').get()).toEqual({ n: 0 });
      db.close();
    }
  });
});

describe('a database the app cannot trust is refused, never rewritten', () => {
  it('corrupt or from a newer version: a clear error at start, the file byte for byte the same', async () => {
    const { createHash } = await import('node:crypto');
    const Database = (await import('better-sqlite3')).default;
    for (const [name, make, message] of [
      ['corrupt', (f: string) => writeFileSync(f, Buffer.alloc(8192, 7)), /file is not a database/u],
      [
        'newer',
        (f: string) => {
          const db = new Database(f);
          db.pragma('user_version = 99');
          db.close();
        },
        /newer than this app/u,
      ],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), `helpdesk-${name}-`));
      try {
        const file = join(dir, 'helpdesk.sqlite');
        make(file);
        const before = createHash('sha256').update(readFileSync(file)).digest('hex');
        await expect(createRuntime({ dataDir: dir, resourcesDir: join(process.cwd(), 'resources'), secrets: new MemorySecretStore(), version: 'test' })).rejects.toThrow(message);
        expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(before);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe('dashboards through the contract (training directory)', () => {
  async function until(api: Runtime['api'], scanId: string, state: string) {
    for (let i = 0; i < 200; i++) {
      const s = await api.dashboards.scanStatus({ scanId });
      if (s.ok && s.value.state !== 'running') return s.value;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`scan still running, wanted ${state}`);
  }

  it('a supervisor scans the directory: per-unit counts, the locked accounts; a second start joins the running scan', async () => {
    const { api } = runtime;
    await api.session.signOut({});
    expect((await api.session.signIn({ username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
    const started = await api.dashboards.scanStart({});
    const again = await api.dashboards.scanStart({});
    expect(started.ok && again.ok && again.value.scanId).toBe(started.ok ? started.value.scanId : 'x');
    const done = await until(api, started.ok ? started.value.scanId : '', 'done');
    expect(done.state).toBe('done');
    // The shipped LDIF: the fixtures, the sample users and the generated people and organisations.
    const shipped = TRAINING_FIXTURES.length + TRAINING_OPERATORS.length + DEFAULT_ACCOUNT_COUNT;
    expect(done.result!.totals.accounts).toBe(shipped);
    expect(done.scanned).toBe(shipped);
    expect(done.result!.units.reduce((n, u) => n + u.accounts, 0)).toBe(shipped);
    expect(done.result!.totals.noContact).toBeGreaterThanOrEqual(1); // cuonglh at least
    expect(done.result!.lockedAccounts.every((a) => a.username && a.dn)).toBe(true);
    const audit = await api.audit.query({ filter: { action: 'dashboard.scan' } });
    expect(audit.ok && audit.value.rows[0]).toMatchObject({ outcome: 'ok', detail: { state: 'done', scanned: shipped } });
    // Both lists export; the XLSX reads back with exceljs: a header, a row per unit, the total row.
    const units = join(dataDir, 'theo-don-vi.xlsx');
    expect(await api.dashboards.exportScan({ scanId: done.scanId, list: 'units', format: 'xlsx', fileName: 'theo-don-vi.xlsx' })).toMatchObject({
      ok: true,
      value: { rows: done.result!.units.length + 1 },
    });
    const ExcelJS = (await import('exceljs')).default;
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(units);
    const sheet = book.getWorksheet('Theo đơn vị')!;
    expect(sheet.getRow(1).getCell(3).value).toBe('Chưa có số di động khôi phục');
    expect(sheet.getRow(sheet.rowCount).getCell(1).value).toBe('Tổng cộng');
    expect(sheet.getRow(sheet.rowCount).getCell(2).value).toBe(shipped);
    const locked = join(dataDir, 'bi-khoa.csv');
    expect(await api.dashboards.exportScan({ scanId: done.scanId, list: 'locked', format: 'csv', fileName: 'bi-khoa' })).toMatchObject({
      ok: true,
      value: { rows: done.result!.lockedAccounts.length },
    });
    expect(readFileSync(locked, 'utf8')).toContain(done.result!.lockedAccounts[0]!.username);
  });

  it('an operator cannot scan; an unknown scan id is SCAN_NOT_FOUND', async () => {
    const { api } = runtime;
    expect(await api.dashboards.scanStatus({ scanId: '00000000-0000-4000-8000-000000000000' })).toEqual({ ok: false, error: { code: 'SCAN_NOT_FOUND' } });
    await api.session.signOut({});
    expect((await api.session.signIn({ username: 'tongdai01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
    expect(await api.dashboards.scanStart({})).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });
  });
});

describe('the monthly report through the contract', () => {
  it('a supervisor writes this month\'s PDF: pdftotext reads the title, the period and the calls of the earlier tests', async () => {
    const { api } = runtime;
    await api.session.signOut({});
    expect((await api.session.signIn({ username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
    const now = new Date(Date.now() + 7 * 3600_000).toISOString();
    const month = now.slice(0, 7);
    const path = join(dataDir, `bao-cao-${month}.pdf`);
    const r = await api.reports.monthly({ month, fileName: `bao-cao-${month}` });
    expect(r).toMatchObject({ ok: true, value: { path, pages: expect.any(Number) } });
    const { execFileSync } = await import('node:child_process');
    const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    expect(text).toContain('BÁO CÁO HỖ TRỢ TÀI KHOẢN');
    expect(text).toContain(`Từ ngày 01/${month.slice(5)}/${month.slice(0, 4)} đến ngày ${now.slice(8, 10)}/${month.slice(5)}/${month.slice(0, 4)}`);
    expect(text).toContain('Võ Thanh Tâm');
    expect(await api.reports.monthly({ month: '2099-01', fileName: 'bao-cao-2099' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'month', reason: 'out_of_range' } });
    expect(await api.reports.monthly({ month, fileName: `bao-cao-${month}.pdf` })).toMatchObject({ ok: false, error: { code: 'EXPORT_WRITE_FAILED', reason: 'exists' } });
  });
});

describe('the production audit key', () => {
  it('rows exist but the key is gone, or another key is there: directory mode is refused, nothing saved, training still works', async () => {
    const { newAuditKey, SqliteAuditLog } = await import('../../src-main/adapters/store/audit-store');
    const { openDatabase } = await import('../../src-main/adapters/store/database');
    for (const keyInKeychain of [null, newAuditKey().toString('hex')]) {
      const dir = mkdtempSync(join(tmpdir(), 'helpdesk-key-'));
      try {
        const db = openDatabase(join(dir, 'helpdesk.sqlite'));
        await new SqliteAuditLog(db, { now: () => new Date() }, newAuditKey()).append({ operator: 'x', action: 'session.signIn', outcome: 'ok' });
        db.close();
        const secrets = new MemorySecretStore();
        if (keyInKeychain) await secrets.set('audit-hmac-key', keyInKeychain);
        const rt = await createRuntime({ dataDir: dir, resourcesDir: join(process.cwd(), 'resources'), secrets, version: 'test' });
        try {
          expect((await rt.api.session.signIn({ username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
          const profile = { ...directoryDefaults('openldap'), url: 'ldaps://ldap.example.gov.vn', baseDn: 'dc=x', serviceBindDn: 'cn=s,dc=x', roleGroups: { operator: [], supervisor: ['cn=g,dc=x'], auditor: [] } };
          const r = await rt.api.settings.save({ settings: { version: 1, locale: 'vi', mode: 'directory', directory: profile }, servicePassword: 'svc' });
          expect(r).toMatchObject({ ok: false, error: { code: 'AUDIT_KEY_MISSING' } });
          expect(existsSync(rt.settingsPath)).toBe(false);
          expect(await secrets.get('audit-hmac-key')).toBe(keyInKeychain); // never replaced
        } finally {
          await rt.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
