import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { MemoryCaseStore } from '../../src-main/adapters/store/memory-case-store';
import { caseSealKey, PgCaseStore } from '../../src-main/adapters/team/case-store';
import { migrateTeamStore } from '../../src-main/adapters/team/migrations';
import { poolConfig, TeamPool } from '../../src-main/adapters/team/pool';
import type { Case } from '../../src-main/domain/case';
import { HelpdeskError } from '../../src-main/domain/errors';
import type { AuditLog, AuditRecord, CaseStore } from '../../src-main/domain/ports';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newAuditKey, SqliteAuditLog } from '../../src-main/adapters/store/audit-store';
import { openDatabase } from '../../src-main/adapters/store/database';
import { PgAuditLog } from '../../src-main/adapters/team/audit-log';
import { TeamClock } from '../../src-main/adapters/team/pool';
import { startPostgres, type PostgresHandle } from '../helpers/postgres';

// The case store port, one contract for its two adapters: this workstation's memory and the team's
// PostgreSQL (a real cluster). The domain relies on the same behaviour from both.
let db: PostgresHandle;
let pool: TeamPool;
let teamAudit: PgAuditLog;
let teamKey: Buffer;
let dir: string;
let localAudit: SqliteAuditLog;

beforeAll(async () => {
  db = await startPostgres();
  const owner = new pg.Client(poolConfig({ url: db.url(db.owner).replace(/:[^:@]*@/u, '@'), caCertificate: db.caPem, workstation: 'admin' }, db.owner.password));
  await owner.connect();
  await migrateTeamStore(owner, db.app.user);
  await owner.end();
  pool = new TeamPool({ url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'Máy C' }, db.app.password);
  await pool.open();
  const clock = new TeamClock(pool);
  await clock.sync();
  teamKey = newAuditKey();
  teamAudit = new PgAuditLog(pool, clock, teamKey);
  dir = mkdtempSync(join(tmpdir(), 'case-store-'));
  localAudit = new SqliteAuditLog(openDatabase(join(dir, 'audit.sqlite')), { now: () => new Date() }, newAuditKey());
}, 60_000);

afterAll(async () => {
  await pool?.close();
  await db?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The audit a store writes its rows to, refusing every append while `failing` (a full disk, a lost store). */
function failable<A extends Pick<AuditLog, 'append'> & Partial<Pick<PgAuditLog, 'appendWith'>>>(log: A) {
  const f = {
    failing: false,
    append: async (r: AuditRecord) => {
      if (f.failing) throw new HelpdeskError('STORAGE_ERROR');
      return log.append(r);
    },
    appendWith: async (r: AuditRecord, also: Parameters<PgAuditLog['appendWith']>[1]) => {
      if (f.failing) throw new HelpdeskError('STORAGE_ERROR');
      return log.appendWith!(r, also);
    },
  };
  return f;
}

/** The rows of one case in the audit, oldest first. */
async function rowsOf(caseId: string, log: Pick<AuditLog, 'recent'>): Promise<string[]> {
  return (await log.recent(500)).filter((e) => e.detail.case === caseId).reverse().map((e) => `${e.action}:${e.outcome}`);
}

const row = (c: Case, action: AuditRecord['action'], outcome: AuditRecord['outcome'] = 'ok'): AuditRecord => ({
  operator: c.holder,
  action,
  outcome,
  target: c.accountUsername,
  unit: c.accountUnit,
  detail: { case: c.id },
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

interface Made {
  store: CaseStore;
  audit: ReturnType<typeof failable>;
  log: Pick<AuditLog, 'recent'>;
}
const adapters: [string, () => Made][] = [
  [
    'memory (one workstation)',
    () => {
      const audit = failable(localAudit);
      return { store: new MemoryCaseStore(audit), audit, log: localAudit };
    },
  ],
  [
    'PostgreSQL (the team)',
    () => {
      const audit = failable(teamAudit);
      return { store: new PgCaseStore(pool, caseSealKey(randomBytes(32)), audit), audit, log: teamAudit };
    },
  ],
];

describe.each(adapters)('case store: %s', (_name, made) => {
  const make = () => made().store;

  it('a case is kept with the row of its opening, or not at all when the row cannot be written', async () => {
    const { store, audit, log } = made();
    const c = aCase();
    await store.insert(c, row(c, 'case.open'));
    expect(await rowsOf(c.id, log)).toEqual(['case.open:ok']);
    const refused = aCase();
    audit.failing = true;
    await expect(store.insert(refused, row(refused, 'case.open'))).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    audit.failing = false;
    expect(await store.read(refused.id)).toBeNull();
    expect(await rowsOf(refused.id, log)).toEqual([]);
  });

  it("an action's closing rows are written with the case as it leaves it; rows refused: the case as it was, the row's error", async () => {
    const { store, audit, log } = made();
    const c = aCase();
    await store.insert(c, row(c, 'case.open'));
    await store.exclusive(c.id, async (x) => void (x!.reason = 'verified'), [row(c, 'code.send', 'ok'), row(c, 'code.verify', 'ok')]);
    expect((await store.read(c.id))!.reason).toBe('verified');
    expect(await rowsOf(c.id, log)).toEqual(['case.open:ok', 'code.send:ok', 'code.verify:ok']);
    // No change, a row: written (the refusal of a wrong code).
    await store.exclusive(c.id, async () => undefined, [row(c, 'code.verify', 'refused')]);
    expect(await rowsOf(c.id, log)).toEqual(['case.open:ok', 'code.send:ok', 'code.verify:ok', 'code.verify:refused']);
    audit.failing = true;
    await expect(store.exclusive(c.id, async (x) => void (x!.reason = 'closed'), [row(c, 'case.close')])).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    // The action's own error wins over the rows'.
    await expect(
      store.exclusive(c.id, async (x) => {
        x!.reason = 'refused';
        throw new HelpdeskError('OTP_WRONG');
      }, [row(c, 'code.verify', 'refused')]),
    ).rejects.toMatchObject({ code: 'OTP_WRONG' });
    audit.failing = false;
    expect((await store.read(c.id))!.reason).toBe('verified');
    expect(await rowsOf(c.id, log)).toHaveLength(4);
    // …and the case is free again.
    expect(await store.exclusive(c.id, async () => 'next')).toBe('next');
  });

  it('gives back the case as stored, dates as dates, nested states whole', async () => {
    const store = make();
    const c = aCase({ handOff: { by: 'tongdai01', at: T, note: 'cần giám sát viên' } });
    await store.insert(c, row(c, 'case.open'));
    const read = await store.read(c.id);
    expect(read).toEqual(c);
    expect(read!.state.kind === 'code-sent' && read!.state.expiresAt).toBeInstanceOf(Date);
    expect(read!.pendingContact!.expiresAt).toBeInstanceOf(Date);
    expect(await store.read(randomUUID())).toBeNull();
  });

  it('keeps what an action changed, also when the action throws; a missing case is given as null', async () => {
    const store = make();
    const c = aCase();
    await store.insert(c, row(c, 'case.open'));
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

  it('keep: the row and the case as the action has it now, before it goes on; put back after that, the case as kept is what it compares with', async () => {
    const { store, audit, log } = made();
    const c = aCase();
    await store.insert(c, row(c, 'case.open'));
    await store.exclusive(c.id, async (x, keep) => {
      const draft = { ...x!, reason: 'spent' };
      await keep(draft, row(x!, 'account.write'));
      Object.assign(x!, draft);
      // Refused after it: back to the state the action started with.
      x!.reason = 'Phiếu 1';
    });
    expect((await store.read(c.id))!.reason).toBe('Phiếu 1');
    expect(await rowsOf(c.id, log)).toEqual(['case.open:ok', 'account.write:ok']);
    // A row that cannot be written: keep throws, the action does not go on, the case is as it was.
    audit.failing = true;
    await expect(
      store.exclusive(c.id, async (x, keep) => {
        await keep({ ...x!, reason: 'never' }, row(x!, 'account.write'));
        return 'went on';
      }),
    ).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    audit.failing = false;
    expect((await store.read(c.id))!.reason).toBe('Phiếu 1');
    expect(await rowsOf(c.id, log)).toEqual(['case.open:ok', 'account.write:ok']);
  });

  it('one action at a time: a second one while the first runs answers CASE_BUSY; after it, the case is free again', async () => {
    const store = make();
    const c = aCase();
    await store.insert(c, row(c, 'case.open'));
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
    for (const c of [open, handed, waiting, closed]) await store.insert(c, row(c, 'case.open'));
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
    const mine = new PgCaseStore(pool, caseSealKey(randomBytes(32)), teamAudit);
    const theirs = new PgCaseStore(pool, caseSealKey(randomBytes(32)), teamAudit);
    const c = aCase({ accountKey: `key-${randomUUID()}`, reason: 'Phiếu bí mật 9876' });
    await theirs.insert(c, row(c, 'case.open'));
    await expect(mine.read(c.id)).rejects.toMatchObject({ code: 'AUDIT_KEY_MISSING' });
    expect(await mine.openOn(c.accountKey)).toEqual([]);
    expect(await theirs.openOn(c.accountKey)).toHaveLength(1);
    const stored = (await db.admin<{ body: Buffer }>('SELECT body FROM cases WHERE id = $1', [c.id])).rows[0]!;
    for (const plain of ['84912345698', '0938765432', 'Phiếu bí mật', 'annv']) expect(stored.body.toString('latin1')).not.toContain(plain);
  });

  it('the row and the case in one commit; a lease taken meanwhile by another action: the row alone, that action\'s case stands', async () => {
    const store = new PgCaseStore(pool, caseSealKey(randomBytes(32)), teamAudit);
    const c = aCase();
    await store.insert(c, row(c, 'case.open'));
    // A head this workstation knows (its own last append): the one-commit path.
    await teamAudit.append(row(c, 'directory.search'));
    await store.exclusive(c.id, async (x) => void (x!.reason = 'one commit'), [row(c, 'code.verify')]);
    expect((await store.read(c.id))!.reason).toBe('one commit');
    // The same transaction wrote both (the same xmin).
    const same = await db.admin<{ same: boolean }>(
      "SELECT (SELECT xmin::text FROM audit WHERE case_id = $1 AND action = 'code.verify') = (SELECT xmin::text FROM cases WHERE id = $1) AS same",
      [c.id],
    );
    expect(same.rows[0]!.same).toBe(true);
    // Another workstation's row came meanwhile (the head this one knows has moved): still one commit,
    // chained after that row, and the chain verifies.
    const other = new PgAuditLog(pool, new TeamClock(pool), teamKey);
    await other.append(row(c, 'directory.search'));
    await other.append(row(c, 'directory.search'));
    await store.exclusive(c.id, async (x) => void (x!.reason = 'after another'), [row(c, 'code.send')]);
    const again = await db.admin<{ same: boolean }>(
      "SELECT (SELECT xmin::text FROM audit WHERE case_id = $1 AND action = 'code.send') = (SELECT xmin::text FROM cases WHERE id = $1) AS same",
      [c.id],
    );
    expect(again.rows[0]!.same).toBe(true);
    expect((await teamAudit.verify()).ok).toBe(true);
    // Another action takes the lease while this one runs (its own lease ran out): the row is written,
    // the case as the other keeps it stands.
    await store.exclusive(
      c.id,
      async (x) => {
        await db.admin("UPDATE cases SET busy_token = 'other', busy_until = now() + interval '1 minute' WHERE id = $1", [c.id]);
        x!.reason = 'lost lease';
      },
      [row(c, 'case.close')],
    );
    expect(await rowsOf(c.id, teamAudit)).toEqual(['case.open:ok', 'directory.search:ok', 'code.verify:ok', 'directory.search:ok', 'directory.search:ok', 'code.send:ok', 'case.close:ok']);
    expect((await store.read(c.id))!.reason).toBe('after another');
    const still = (await db.admin<{ busy_token: string }>('SELECT busy_token FROM cases WHERE id = $1', [c.id])).rows[0]!;
    expect(still.busy_token).toBe('other');
  });
});
