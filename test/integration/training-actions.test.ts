import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { createRuntime, type Runtime } from '../../src-main/app/runtime';
import { TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';

// Training mode end to end through the contract: the in-process directory and the Outbox relays.
let runtime: Runtime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-training-'));
  runtime = await createRuntime({ dataDir, resourcesDir: join(process.cwd(), 'resources'), secrets: new MemorySecretStore(), version: 'test' });
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
