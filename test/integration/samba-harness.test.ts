/**
 * Proves that the Samba AD DC started by test/helpers/samba-ad.ts behaves as Active Directory does
 * for what Helpdesk relies on (lockout, unlock, reset with must-change, LDAPS-only password writes,
 * policy errors), and records the exact shapes of ldapts errors for the AD adapter's author.
 *
 * Needs root, ports 389/636 free, and the Debian packages samba, samba-ad-dc, samba-ad-provision.
 * Two servers are started one after the other (~7 s each): Samba's default (simple binds need TLS)
 * and allowPlainLdapBind (to show what Samba 4.17 does with a password write over plain LDAP).
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  Attribute,
  Change,
  Client,
  ConstraintViolationError,
  Control,
  EqualityFilter,
  InsufficientAccessError,
  InvalidCredentialsError,
  StrongAuthRequiredError,
  type BerWriter,
  type ClientOptions,
} from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSambaAd, type SambaAdHandle } from '../helpers/samba-ad';

const USERS = [
  { sAMAccountName: 'alice', givenName: 'Alice', sn: 'Nguyen', displayName: 'Nguyen Thi Alice', mobile: '0912345678', otherMailbox: 'alice.backup@example.org', password: 'Alice-Pass-1!' },
  { sAMAccountName: 'bob', givenName: 'Bob', sn: 'Tran', mobile: '0987654321', password: 'Bob-Pass-2!' },
  { sAMAccountName: 'carol', givenName: 'Carol', sn: 'Le', password: 'Carol-Pass-3!' },
  { sAMAccountName: 'dave', givenName: 'Dave', sn: 'Pham', password: 'Dave-Pass-4!' },
];
const pw = (name: string): string => USERS.find((u) => u.sAMAccountName === name)!.password;

/** UF_LOCKOUT in msDS-User-Account-Control-Computed. */
const UF_LOCKOUT = 0x10;
/** UF_PASSWORD_EXPIRED in msDS-User-Account-Control-Computed. */
const UF_PASSWORD_EXPIRED = 0x800000;

/** What an ldapts error carries, for the report and the assertions. */
interface ErrorShape {
  class: string;
  name: string;
  code: unknown;
  message: string;
  ownKeys: string[];
}

function shapeOf(err: unknown): ErrorShape {
  if (!(err instanceof Error)) return { class: typeof err, name: '', code: undefined, message: String(err), ownKeys: [] };
  return {
    class: err.constructor.name,
    name: err.name,
    code: (err as { code?: unknown }).code,
    message: err.message,
    ownKeys: Object.keys(err),
  };
}

const shapes: Record<string, ErrorShape> = {};
function record(label: string, err: unknown): ErrorShape {
  const shape = shapeOf(err);
  shapes[label] = shape;
  return shape;
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the operation to fail, it succeeded');
}

/** The AD sub-code of a bind failure: "..., data 775, ..." → '775'. */
function adDataCode(message: string): string | undefined {
  return /\bdata ([0-9a-f]{3,8})\b/i.exec(message)?.[1];
}

function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

function resetChanges(password: string, mustChange: boolean): Change[] {
  const changes = [new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(password)] }) })];
  if (mustChange) {
    changes.push(new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['0'] }) }));
  }
  return changes;
}

/**
 * LDAP_SERVER_POLICY_HINTS_OID (MS-ADTS 3.1.1.3.4.1.33): value = BER SEQUENCE { INTEGER Flags },
 * Flags 1 = enforce the password history (and other policy) on a reset.
 */
class PolicyHintsControl extends Control {
  static readonly OID = '1.2.840.113556.1.4.2239';
  constructor(critical: boolean) {
    super(PolicyHintsControl.OID, { critical });
  }
  override writeControl(writer: BerWriter): void {
    writer.writeBuffer(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), 0x04);
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

afterAll(() => {
  console.log(`[samba-ad] ldapts error shapes:\n${JSON.stringify(shapes, null, 2)}`);
});

describe('Samba AD DC harness', () => {
  let ad: SambaAdHandle;
  let startMs = 0;

  const client = (url: string, extra: Partial<ClientOptions> = {}): Client =>
    new Client({
      url,
      timeout: 5000,
      connectTimeout: 3000,
      ...(url.startsWith('ldaps:') ? { tlsOptions: { ca: ad.caPem } } : {}),
      ...extra,
    });

  async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
    const c = client(url);
    try {
      return await fn(c);
    } finally {
      await c.unbind().catch(() => undefined);
    }
  }

  /** Binds as dn/password on a fresh LDAPS connection; resolves to the error or undefined. */
  async function bindError(dn: string, password: string): Promise<unknown> {
    const c = client(ad.ldapsUrl);
    try {
      await c.bind(dn, password);
      return undefined;
    } catch (err) {
      return err;
    } finally {
      await c.unbind().catch(() => undefined);
    }
  }

  async function readState(sam: string): Promise<Record<string, unknown>> {
    return withClient(ad.ldapsUrl, async (c) => {
      await c.bind(ad.serviceDn, ad.servicePassword);
      const { searchEntries } = await c.search(ad.baseDn, {
        scope: 'sub',
        filter: `(&(objectCategory=person)(objectClass=user)${new EqualityFilter({ attribute: 'sAMAccountName', value: sam }).toString()})`,
        attributes: [
          'sAMAccountName',
          'userAccountControl',
          'lockoutTime',
          'badPwdCount',
          'pwdLastSet',
          'mobile',
          'otherMailbox',
          'msDS-User-Account-Control-Computed',
        ],
      });
      expect(searchEntries).toHaveLength(1);
      return searchEntries[0]!;
    });
  }

  beforeAll(async () => {
    const t = Date.now();
    ad = await startSambaAd({ users: USERS });
    startMs = Date.now() - t;
    console.log(`[samba-ad] startSambaAd ${startMs} ms: ${JSON.stringify(ad.timings)}`);
  });

  afterAll(async () => {
    await ad?.stop();
  });

  it('the service account binds over LDAPS and finds a user by sAMAccountName with the AD state attributes', async () => {
    expect(ad.ldapUrl).toBe('ldap://127.0.0.1:389');
    expect(ad.ldapsUrl).toBe('ldaps://127.0.0.1:636');
    expect(ad.baseDn).toBe('DC=helpdesk,DC=test');
    expect(ad.caPem).toContain('BEGIN CERTIFICATE');
    const alice = await readState('alice');
    expect(alice.dn).toBe(ad.userDn('alice'));
    expect(alice.userAccountControl).toBe('512');
    expect(alice.mobile).toBe('0912345678');
    expect(alice.otherMailbox).toBe('alice.backup@example.org');
    expect(alice['msDS-User-Account-Control-Computed']).toBe('0');
    // Never locked: AD does not have the attribute yet (ldapts reports a requested, absent attribute as []).
    expect(alice.lockoutTime).toEqual([]);
    expect(Number(alice.pwdLastSet)).toBeGreaterThan(0);
    console.log(`[samba-ad] alice as the service account reads her: ${JSON.stringify(alice)}`);

    // The certificate is verified against the harness CA; a client without it refuses.
    const untrusted = new Client({ url: ad.ldapsUrl, timeout: 5000, connectTimeout: 3000 });
    await expect(untrusted.bind(ad.serviceDn, ad.servicePassword)).rejects.toThrow(/certificate/i);
    await untrusted.unbind().catch(() => undefined);
  });

  it('wrong passwords lock the account after the threshold (3): lockoutTime set, the right password then fails with data 775', async () => {
    const dn = ad.userDn('bob');
    for (let i = 1; i <= 3; i++) {
      const err = await bindError(dn, `Wrong-Pass-${i}!`);
      expect(err).toBeInstanceOf(InvalidCredentialsError);
      if (i === 1) record('wrong password (52e)', err);
      expect(adDataCode((err as Error).message)).toBe('52e');
    }
    const state = await readState('bob');
    expect(Number(state.lockoutTime)).toBeGreaterThan(0);
    expect(Number(state['msDS-User-Account-Control-Computed']) & UF_LOCKOUT).toBe(UF_LOCKOUT);
    // userAccountControl itself does not carry the lockout bit in AD.
    expect(state.userAccountControl).toBe('512');

    const err = await bindError(dn, pw('bob'));
    expect(err).toBeInstanceOf(InvalidCredentialsError);
    const shape = record('locked out (775)', err);
    expect(shape.code).toBe(49);
    expect(adDataCode(shape.message)).toBe('775');
  });

  it('the service account unlocks with lockoutTime: 0 and the user binds again with the old password', async () => {
    await withClient(ad.ldapsUrl, async (c) => {
      await c.bind(ad.serviceDn, ad.servicePassword);
      await c.modify(
        ad.userDn('bob'),
        new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) }),
      );
    });
    const state = await readState('bob');
    expect(state.lockoutTime).toBe('0');
    expect(Number(state['msDS-User-Account-Control-Computed']) & UF_LOCKOUT).toBe(0);
    expect(await bindError(ad.userDn('bob'), pw('bob'))).toBeUndefined();
  });

  it('the service account resets over LDAPS (unicodePwd + pwdLastSet: 0): new password → data 773, old → data 52e', async () => {
    const dn = ad.userDn('carol');
    await withClient(ad.ldapsUrl, async (c) => {
      await c.bind(ad.serviceDn, ad.servicePassword);
      await c.modify(dn, resetChanges('NewPassw0rd!', true));
    });
    const state = await readState('carol');
    expect(state.pwdLastSet).toBe('0');
    expect(Number(state['msDS-User-Account-Control-Computed']) & UF_PASSWORD_EXPIRED).toBe(UF_PASSWORD_EXPIRED);

    const mustChange = await bindError(dn, 'NewPassw0rd!');
    expect(mustChange).toBeInstanceOf(InvalidCredentialsError);
    const shape = record('must change password (773)', mustChange);
    expect(adDataCode(shape.message)).toBe('773');

    const old = await bindError(dn, pw('carol'));
    expect(old).toBeInstanceOf(InvalidCredentialsError);
    expect(adDataCode((old as Error).message)).toBe('52e');
  });

  it('plain ldap:// refuses the simple bind (strongerAuthRequired), so no password write can happen there', async () => {
    const err = await withClient(ad.ldapUrl, (c) => errorOf(c.bind(ad.serviceDn, ad.servicePassword)));
    const shape = record('simple bind over plain LDAP (default config)', err);
    expect(err).toBeInstanceOf(StrongAuthRequiredError);
    expect(shape.code).toBe(8);
  });

  it('a plain user has none of the delegated rights; the service account writes mobile and otherMailbox', async () => {
    await withClient(ad.ldapsUrl, async (c) => {
      await c.bind(ad.userDn('alice'), pw('alice'));
      const err = await errorOf(
        c.modify(ad.userDn('bob'), new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) })),
      );
      expect(err).toBeInstanceOf(InsufficientAccessError);
      record('unlock without the right (insufficientAccessRights)', err);
      const reset = await errorOf(c.modify(ad.userDn('bob'), resetChanges('Other-Pass-7!', true)));
      expect(reset).toBeInstanceOf(InsufficientAccessError);
      record('reset without the right (insufficientAccessRights)', reset);
    });
    await withClient(ad.ldapsUrl, async (c) => {
      await c.bind(ad.serviceDn, ad.servicePassword);
      await c.modify(ad.userDn('alice'), [
        new Change({ operation: 'replace', modification: new Attribute({ type: 'mobile', values: ['0911111111'] }) }),
        new Change({ operation: 'replace', modification: new Attribute({ type: 'otherMailbox', values: ['alice.new@example.org'] }) }),
      ]);
    });
    const alice = await readState('alice');
    expect(alice.mobile).toBe('0911111111');
    expect(alice.otherMailbox).toBe('alice.new@example.org');
  });

  it('a reset that violates the complexity or history policy is refused with constraintViolation 0000052D', async () => {
    const dn = ad.userDn('dave');
    await withClient(ad.ldapsUrl, async (c) => {
      await c.bind(ad.serviceDn, ad.servicePassword);
      const weak = await errorOf(c.modify(dn, resetChanges('weakpassword', false)));
      expect(weak).toBeInstanceOf(ConstraintViolationError);
      const shape = record('complexity violation (52D)', weak);
      expect(shape.code).toBe(19);
      expect(shape.message).toMatch(/0000052D/i);

      // History: an administrative reset to the current password. AD ignores the history on a reset
      // unless the policy-hints control asks for it; record what Samba does.
      const same = await c.modify(dn, resetChanges(pw('dave'), false)).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (same) record('reset to the current password (history)', same);
      console.log(`[samba-ad] reset to the current password without policy hints: ${same ? 'refused' : 'accepted'}`);
      expect(same).toBeUndefined();
    });

    // The history is enforced on a user's own change (delete old value + add new value).
    await withClient(ad.ldapsUrl, async (c) => {
      await c.bind(dn, pw('dave'));
      const reuse = await errorOf(
        c.modify(dn, [
          new Change({ operation: 'delete', modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(pw('dave'))] }) }),
          new Change({ operation: 'add', modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(pw('dave'))] }) }),
        ]),
      );
      expect(reuse).toBeInstanceOf(ConstraintViolationError);
      const shape = record('own change to a password in the history (52D)', reuse);
      expect(shape.code).toBe(19);
      expect(shape.message).toMatch(/0000052D/i);
    });
  });

  it('the policy-hints control (1.2.840.113556.1.4.2239): accepted or not, and whether it enforces history on a reset', async () => {
    const dn = ad.userDn('dave');
    const report: Record<string, string> = {};
    await withClient(ad.ldapsUrl, async (c) => {
      await c.bind(ad.adminDn, ad.adminPassword);
      const root = await c.search('', { scope: 'base', attributes: ['supportedControl'] });
      const supported = ([] as string[]).concat(root.searchEntries[0]?.supportedControl as string | string[]);
      report.advertised = String(supported.includes(PolicyHintsControl.OID) || supported.includes('1.2.840.113556.1.4.2066'));

      await c.modify(dn, resetChanges('Hints-Pass-6!', false));
      for (const critical of [false, true]) {
        const label = critical ? 'critical' : 'non-critical';
        // Re-use the current password: only a history check refuses that.
        const err = await c.modify(dn, resetChanges('Hints-Pass-6!', false), new PolicyHintsControl(critical)).then(
          () => undefined,
          (e: unknown) => e,
        );
        report[label] = err ? `refused: ${shapeOf(err).class} ${shapeOf(err).message}` : 'accepted (history NOT enforced)';
        if (err) record(`policy hints ${label}, same password`, err);
      }
    });
    console.log(`[samba-ad] policy hints: ${JSON.stringify(report, null, 2)}`);
    // What the adapter relies on: sent non-critical, the control never makes a reset fail by itself — the
    // reset goes through, or is refused by the domain's own policy (0000052D), never for the control.
    expect(report['non-critical']).toMatch(/^(accepted|refused: ConstraintViolationError .*0000052D)/u);
    // Critical, a server that does not know it must refuse the whole request (why it is sent non-critical).
    if (report.advertised === 'false') expect(report.critical).toMatch(/^refused: UnavailableCriticalExtensionError/u);
  });

  it('stop() removes the dir and frees the ports', async () => {
    const t = Date.now();
    await ad.stop();
    console.log(`[samba-ad] stop ${Date.now() - t} ms`);
    expect(existsSync(ad.dir)).toBe(false);
    expect(await portIsFree(389)).toBe(true);
    expect(await portIsFree(636)).toBe(true);
    await ad.stop(); // idempotent
  });
});

describe('Samba AD DC harness with allowPlainLdapBind', () => {
  let ad: SambaAdHandle;

  beforeAll(async () => {
    ad = await startSambaAd({ users: [USERS[0]!], allowPlainLdapBind: true });
    console.log(`[samba-ad] (allowPlainLdapBind) timings: ${JSON.stringify(ad.timings)}`);
  });

  afterAll(async () => {
    await ad?.stop();
  });

  it('a simple bind over plain ldap:// works; what Samba does with unicodePwd there (AD: unwillingToPerform)', async () => {
    const c = new Client({ url: ad.ldapUrl, timeout: 5000, connectTimeout: 3000 });
    let outcome: unknown;
    try {
      await c.bind(ad.serviceDn, ad.servicePassword);
      outcome = await c.modify(ad.userDn('alice'), resetChanges('Plain-Ldap-Pass-5!', true)).then(
        () => 'accepted',
        (e: unknown) => e,
      );
    } finally {
      await c.unbind().catch(() => undefined);
    }
    if (outcome === 'accepted') {
      // Samba 4.17 has no "password writes need an encrypted connection" check (later Samba
      // versions and Windows AD refuse it): the adapter itself must never send unicodePwd without TLS.
      console.log('[samba-ad] unicodePwd over plain LDAP with a simple bind: ACCEPTED by this Samba (AD refuses it)');
      const state = await withAdmin(ad, (admin) =>
        admin.search(ad.userDn('alice'), { scope: 'base', attributes: ['pwdLastSet'] }),
      );
      expect(state.searchEntries[0]?.pwdLastSet).toBe('0');
    } else {
      const shape = record('unicodePwd over plain LDAP (allowPlainLdapBind)', outcome);
      expect([13, 53]).toContain(shape.code);
    }
  });

  it('stop() frees the ports', async () => {
    await ad.stop();
    expect(existsSync(ad.dir)).toBe(false);
    expect(await portIsFree(389)).toBe(true);
    expect(await portIsFree(636)).toBe(true);
  });
});

async function withAdmin<T>(ad: SambaAdHandle, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ url: ad.ldapsUrl, timeout: 5000, connectTimeout: 3000, tlsOptions: { ca: ad.caPem } });
  try {
    await c.bind(ad.adminDn, ad.adminPassword);
    return await fn(c);
  } finally {
    await c.unbind().catch(() => undefined);
  }
}
