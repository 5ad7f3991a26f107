import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { MemoryCaseStore } from '../../src-main/adapters/store/memory-case-store';
import { caseSealKey, PgCaseStore } from '../../src-main/adapters/team/case-store';
import { migrateTeamStore } from '../../src-main/adapters/team/migrations';
import { poolConfig, TeamPool } from '../../src-main/adapters/team/pool';
import type { Case } from '../../src-main/domain/case';
import { HelpdeskError } from '../../src-main/domain/errors';
import type { CaseStore } from '../../src-main/domain/ports';
import { startPostgres, type PostgresHandle } from '../helpers/postgres';

// The case store port, one contract for its two adapters: this workstation's memory and the team's
// PostgreSQL (a real cluster). The domain relies on the same behaviour from both.
let db: PostgresHandle;
let pool: TeamPool;

beforeAll(async () => {
  db = await startPostgres();
  const owner = new pg.Client(poolConfig({ url: db.url(db.owner).replace(/:[^:@]*@/u, '@'), caCertificate: db.caPem, workstation: 'admin' }, db.owner.password));
  await owner.connect();
  await migrateTeamStore(owner, db.app.user);
  await owner.end();
  pool = new TeamPool({ url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'Máy C' }, db.app.password);
  await pool.open();
}, 60_000);

afterAll(async () => {
  await pool?.close();
  await db?.stop();
});

const T = new Date('2026-12-07T02:00:00.000Z');

function aCase(over: Partial<Case> = {}): Case {
  return {
    id: randomUUID(),
    accountDn: 'uid=annv,ou=people,dc=daotao,dc=gov,dc=vn',
    accountKey: `key-${randomUUID()}`,
    accountUsername: 'annv',
    accountUnit: 'stttt',
    accountDisplayName: 'Nguyễn Văn An',
    operator: 'tongdai01',
    holder: 'tongdai01',
    holderSince: T,
    reason: 'Phiếu 1',
    openedAt: T,
    state: { kind: 'code-sent', channel: 'sms', destination: '09*****98', to: '84912345698', sentAt: T, expiresAt: new Date(T.getTime() + 300_000), messageId: 'm1', uncertain: false },
    deliveryContact: null,
    handOff: null,
    approval: null,
    pendingContact: { kind: 'mobile', value: '0938765432', to: '84938765432', masked: '09*****32', expiresAt: new Date(T.getTime() + 300_000) },
    ...over,
  };
}

const adapters: [string, () => CaseStore][] = [
  ['memory (one workstation)', () => new MemoryCaseStore()],
  ['PostgreSQL (the team)', () => new PgCaseStore(pool, caseSealKey(randomBytes(32)))],
];

describe.each(adapters)('case store: %s', (_name, make) => {
  it('gives back the case as stored, dates as dates, nested states whole', async () => {
    const store = make();
    const c = aCase({ handOff: { by: 'tongdai01', at: T, note: 'cần giám sát viên' } });
    await store.insert(c);
    const read = await store.read(c.id);
    expect(read).toEqual(c);
    expect(read!.state.kind === 'code-sent' && read!.state.expiresAt).toBeInstanceOf(Date);
    expect(read!.pendingContact!.expiresAt).toBeInstanceOf(Date);
    expect(await store.read(randomUUID())).toBeNull();
  });

  it('keeps what an action changed, also when the action throws; a missing case is given as null', async () => {
    const store = make();
    const c = aCase();
    await store.insert(c);
    await store.exclusive(c.id, async (x) => {
      x!.holder = 'giamsat01';
    });
    expect((await store.read(c.id))!.holder).toBe('giamsat01');
    await expect(
      store.exclusive(c.id, async (x) => {
        x!.reason = 'recorded refusal';
        throw new HelpdeskError('OTP_WRONG');
      }),
    ).rejects.toMatchObject({ code: 'OTP_WRONG' });
    expect((await store.read(c.id))!.reason).toBe('recorded refusal');
    expect(await store.exclusive(randomUUID(), async (x) => x)).toBeNull();
  });

  it('one action at a time: a second one while the first runs answers CASE_BUSY; after it, the case is free again', async () => {
    const store = make();
    const c = aCase();
    await store.insert(c);
    let release!: () => void;
    const first = store.exclusive(c.id, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 50));
    await expect(store.exclusive(c.id, async () => 'second')).rejects.toMatchObject({ code: 'CASE_BUSY' });
    release();
    await first;
    expect(await store.exclusive(c.id, async () => 'third')).toBe('third');
  });

  it('lists open cases by account, by holder and those waiting for a supervisor; closed ones are not listed', async () => {
    const store = make();
    const key = `key-${randomUUID()}`;
    const holder = `op-${randomUUID().slice(0, 8)}`;
    const open = aCase({ accountKey: key, holder });
    const handed = aCase({ accountKey: key, holder, handOff: { by: holder, at: T, note: 'x' } });
    const waiting = aCase({ holder: 'giamsat01', approval: { state: 'waiting', requestedBy: 'giamsat01', requestedAt: T, approvedBy: null, approvedAt: null, contact: { kind: 'mobile', value: '0938765432', masked: '09*****32' } } });
    const closed = aCase({ accountKey: key, holder, state: { kind: 'closed', outcome: 'done', closedAt: T } });
    for (const c of [open, handed, waiting, closed]) await store.insert(c);
    const ids = (cs: Case[]) => cs.map((c) => c.id).sort();
    expect(ids(await store.openOn(key))).toEqual([open.id, handed.id].sort());
    expect(ids(await store.heldBy(holder))).toEqual([open.id, handed.id].sort());
    expect(ids(await store.waiting()).filter((id) => [open.id, handed.id, waiting.id, closed.id].includes(id))).toEqual([handed.id, waiting.id].sort());
    // Closed through an action: off every list.
    await store.exclusive(handed.id, async (x) => {
      x!.state = { kind: 'closed', outcome: 'abandoned', closedAt: T };
      x!.handOff = null;
    });
    expect(ids(await store.openOn(key))).toEqual([open.id]);
    expect((await store.waiting()).map((c) => c.id)).not.toContain(handed.id);
  });
});

describe('case store: PostgreSQL only', () => {
  it('a case sealed with another team key is never opened nor listed; the database holds no contact or note in clear', async () => {
    const mine = new PgCaseStore(pool, caseSealKey(randomBytes(32)));
    const theirs = new PgCaseStore(pool, caseSealKey(randomBytes(32)));
    const c = aCase({ accountKey: `key-${randomUUID()}`, reason: 'Phiếu bí mật 9876' });
    await theirs.insert(c);
    await expect(mine.read(c.id)).rejects.toMatchObject({ code: 'AUDIT_KEY_MISSING' });
    expect(await mine.openOn(c.accountKey)).toEqual([]);
    expect(await theirs.openOn(c.accountKey)).toHaveLength(1);
    const row = (await db.admin<{ body: Buffer }>('SELECT body FROM cases WHERE id = $1', [c.id])).rows[0]!;
    for (const plain of ['84912345698', '0938765432', 'Phiếu bí mật', 'annv']) expect(row.body.toString('latin1')).not.toContain(plain);
  });
});
