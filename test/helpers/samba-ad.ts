/**
 * A throwaway Active Directory domain controller (Samba AD DC from Debian) for integration tests:
 * `samba-tool domain provision` in a fresh temp dir, the lockout/complexity policy, users, and a
 * helpdesk service account with delegated rights, then `samba -i -M single` in the foreground with
 * LDAP on 127.0.0.1:389 and LDAPS on 127.0.0.1:636 (a throwaway CA's certificate for 127.0.0.1).
 *
 *   const ad = await startSambaAd({ users: [{ sAMAccountName: 'alice', password: 'Alice-Pass-1!' }] });
 *   try { ... new Client({ url: ad.ldapsUrl, tlsOptions: { ca: ad.caPem } }) ... } finally { await ad.stop(); }
 *
 * Needs: root (provisioning chowns files and sets ACLs; the server binds ports below 1024), the
 * ports 389 and 636 free on loopback (the harness uses Samba's standard ports), and the Debian packages of an
 * AD DC: `samba` plus `samba-ad-dc` (which brings `samba-dsdb-modules`, `samba-vfs-modules`, `winbind`)
 * and `samba-ad-provision` (the schema and provisioning LDIF). With `samba` alone, provisioning fails;
 * the error names the missing package. Only one instance at a time (fixed ports).
 *
 * Everything Samba writes lives under the temp dir: provisioning is run with an empty config file
 * (so nothing is inherited from /etc/samba/smb.conf) and with every directory option pointed into
 * the temp dir. Nothing is registered globally except an exit hook that kills the server if the
 * test process exits without calling stop().
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Client } from 'ldapts';
import { makeTestCertificates } from './test-ca';
import { terminate, watch, type Watched } from './server-process';

export interface SambaAdUser {
  sAMAccountName: string;
  givenName?: string;
  sn?: string;
  displayName?: string;
  mobile?: string;
  otherMailbox?: string;
  /** Must satisfy the domain's complexity policy (3 of 4 character classes, ≥ 7 chars, not containing the account name). */
  password: string;
}

export interface SambaAdOptions {
  /** Created in CN=Users as normal enabled accounts (userAccountControl 512), after the service account's rights are set. */
  users?: SambaAdUser[];
  /** Bad password attempts before lockout. Default 3. Lockout duration is 0: locked until an admin unlocks. */
  lockoutThreshold?: number;
  /**
   * Accept simple binds over plain ldap:// (`ldap server require strong auth = no`), as a stock AD
   * without LDAP signing enforcement does. Default false: Samba's default, which refuses a simple
   * bind without TLS with strongerAuthRequired (8), like an AD that requires LDAP signing.
   * Beware: Samba 4.17 then also accepts unicodePwd writes over plain LDAP, which AD refuses.
   */
  allowPlainLdapBind?: boolean;
}

export interface SambaAdHandle {
  /** ldap://127.0.0.1:389 (simple binds there are refused unless allowPlainLdapBind). */
  ldapUrl: string;
  /** ldaps://127.0.0.1:636 */
  ldapsUrl: string;
  /**
   * The CA (PEM) of the LDAPS certificate. The harness makes its own throwaway CA and a server
   * certificate for IP:127.0.0.1 / DNS:localhost (Samba's auto-generated one is for the DC's host
   * name only), so clients verify the certificate normally with `tlsOptions: { ca: caPem }`.
   */
  caPem: string;
  /** DC=helpdesk,DC=test */
  baseDn: string;
  /** HELPDESK.TEST */
  realm: string;
  /** HELPDESK */
  netbiosDomain: string;
  /** CN=Administrator,CN=Users,<base> */
  adminDn: string;
  adminPassword: string;
  /**
   * CN=helpdesk-service,CN=Users,<base>: a plain user (not in any admin group) with, on user
   * objects under CN=Users (inherited ACEs set on the container): the "Reset Password" extended
   * right and read/write of lockoutTime, pwdLastSet, mobile, otherMailbox.
   */
  serviceDn: string;
  servicePassword: string;
  /** CN=<sAMAccountName>,CN=Users,<base> */
  userDn(sAMAccountName: string): string;
  /** The temp dir (Samba's targetdir under samba/, the certificates under tls/). */
  dir: string;
  /** How long the phases of startSambaAd took (ms). */
  timings: { certsMs: number; provisionMs: number; startMs: number; populateMs: number };
  /** SIGTERM, wait for exit (SIGKILL after a timeout), remove the dir. Idempotent. */
  stop(): Promise<void>;
}

const REALM = 'HELPDESK.TEST';
const NETBIOS_DOMAIN = 'HELPDESK';
const BASE_DN = 'DC=helpdesk,DC=test';
const HOST_NAME = 'DC1';
const LDAP_PORT = 389;
const LDAPS_PORT = 636;
const SERVICE_NAME = 'helpdesk-service';
const START_TIMEOUT_MS = 30_000;
const COMMAND_TIMEOUT_MS = 60_000;

/** UF_NORMAL_ACCOUNT */
const UAC_NORMAL = 0x200;
/** UF_DONT_EXPIRE_PASSWD */
const UAC_DONT_EXPIRE = 0x10000;

/** schemaIDGUID / rightsGuid values (identical in every AD forest). */
const GUID = {
  userClass: 'bf967aba-0de6-11d0-a285-00aa003049e2',
  resetPassword: '00299570-246d-11d0-a768-00aa006e0529', // User-Force-Change-Password
  lockoutTime: '28630ebf-41d5-11d1-a9c1-0000f80367c1',
  pwdLastSet: 'bf967a0a-0de6-11d0-a285-00aa003049e2',
  mobile: 'f0f8ffa3-1191-11d0-a060-00aa006c33ed',
  otherMailbox: '0296c123-40da-11d1-a9c0-0000f80367c1',
} as const;

export async function startSambaAd(opts: SambaAdOptions = {}): Promise<SambaAdHandle> {
  const lockoutThreshold = opts.lockoutThreshold ?? 3;
  if (!Number.isInteger(lockoutThreshold) || lockoutThreshold < 0 || lockoutThreshold > 999) {
    throw new Error(`startSambaAd: lockoutThreshold must be an integer 0..999, got ${lockoutThreshold}`);
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('startSambaAd: Samba AD DC needs root (provisioning, ports 389/636); run the integration tests as root');
  }
  const sambaBin = findBinary('samba');
  const sambaToolBin = findBinary('samba-tool');
  await assertPortsFree();

  const adminPassword = strongPassword();
  const servicePassword = strongPassword();
  const adminDn = `CN=Administrator,CN=Users,${BASE_DN}`;
  const serviceDn = userDnOf(SERVICE_NAME);
  const timings = { certsMs: 0, provisionMs: 0, startMs: 0, populateMs: 0 };

  const dir = await mkdtemp(join(tmpdir(), 'helpdesk-samba-'));
  let proc: Watched | undefined;
  const exitHook = (): void => {
    proc?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', exitHook);
  try {
    let t = Date.now();
    const tls = await makeTestCertificates(dir);
    timings.certsMs = Date.now() - t;

    // --- provision -------------------------------------------------------------------------
    t = Date.now();
    const target = join(dir, 'samba');
    await mkdir(target, { mode: 0o700 });
    const emptyConf = join(dir, 'empty.conf');
    await writeFile(emptyConf, '');
    const confPath = join(target, 'etc', 'smb.conf');
    const options: Record<string, string> = {
      interfaces: 'lo',
      'bind interfaces only': 'yes',
      // Only the LDAP server: no SMB, RPC, NetBIOS, KDC, DNS, replication, winbindd.
      'server services': 'ldap',
      'log file': join(target, 'log', 'log.%m'),
      'pid directory': join(target, 'run'),
      'ncalrpc dir': join(target, 'run', 'ncalrpc'),
      'winbindd socket directory': join(target, 'run', 'winbindd'),
      'ntp signd socket directory': join(target, 'run', 'ntp_signd'),
      'usershare path': join(target, 'usershares'),
      'panic action': '',
      'tls enabled': 'yes',
      'tls keyfile': tls.keyPath,
      'tls certfile': tls.certPath,
      'tls cafile': tls.caCertPath,
    };
    await run(
      sambaToolBin,
      [
        'domain', 'provision',
        // An empty config: provision otherwise merges /etc/samba/smb.conf into the new one.
        '-s', emptyConf,
        `--realm=${REALM}`,
        `--domain=${NETBIOS_DOMAIN}`,
        `--host-name=${HOST_NAME}`,
        '--server-role=dc',
        '--dns-backend=NONE',
        `--targetdir=${target}`,
        `--adminpass=${adminPassword}`,
        ...Object.entries(options).map(([k, v]) => `--option=${k}=${v}`),
      ],
      'samba-tool domain provision',
    );
    if (!existsSync(confPath)) throw new Error(`startSambaAd: provisioning did not write ${confPath}`);
    if (opts.allowPlainLdapBind) {
      // Provision does not carry this option over into the smb.conf it writes: add it afterwards.
      await addGlobalOptions(confPath, { 'ldap server require strong auth': 'no' });
    }
    const samLdb = join(target, 'private', 'sam.ldb');
    await run(
      sambaToolBin,
      [
        'domain', 'passwordsettings', 'set', '-H', samLdb,
        '--complexity=on',
        '--min-pwd-age=0',
        '--account-lockout-threshold=' + lockoutThreshold,
        '--account-lockout-duration=0',
        '--reset-account-lockout-after=30',
      ],
      'samba-tool domain passwordsettings set',
    );
    timings.provisionMs = Date.now() - t;

    // --- start -------------------------------------------------------------------------------
    t = Date.now();
    const child = spawn(sambaBin, ['-s', confPath, '-i', '-M', 'single'], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = watch(child);
    await waitReady(proc, adminDn, adminPassword, tls.caPem);
    timings.startMs = Date.now() - t;

    // --- populate ----------------------------------------------------------------------------
    t = Date.now();
    const admin = new Client({
      url: `ldaps://127.0.0.1:${LDAPS_PORT}`,
      timeout: 10_000,
      connectTimeout: 5_000,
      tlsOptions: { ca: tls.caPem },
    });
    try {
      await admin.bind(adminDn, adminPassword);
      await addUser(admin, {
        sAMAccountName: SERVICE_NAME,
        displayName: 'Helpdesk service account (test harness)',
        password: servicePassword,
      }, UAC_NORMAL | UAC_DONT_EXPIRE);
      const sid = await readSid(admin, serviceDn);
      // Inherited (CIIO) object ACEs on CN=Users, applying to user objects: what "Delegate
      // Control" sets for "Reset user passwords and force password change at next logon" plus
      // unlock (lockoutTime) and the contact attributes.
      const ace = (rights: string, guid: string): string => `(OA;CIIO;${rights};${guid};${GUID.userClass};${sid})`;
      const sddl = [
        ace('CR', GUID.resetPassword),
        ace('RPWP', GUID.lockoutTime),
        ace('RPWP', GUID.pwdLastSet),
        ace('RPWP', GUID.mobile),
        ace('RPWP', GUID.otherMailbox),
      ].join('');
      // Local ldb access while the server runs (tdb locking), as admins do with -H sam.ldb.
      await run(
        sambaToolBin,
        ['dsacl', 'set', '-H', samLdb, `--objectdn=CN=Users,${BASE_DN}`, `--sddl=${sddl}`],
        'samba-tool dsacl set',
      );
      for (const user of opts.users ?? []) await addUser(admin, user, UAC_NORMAL);
    } finally {
      await admin.unbind().catch(() => undefined);
    }
    timings.populateMs = Date.now() - t;

    const running = proc;
    let stopped: Promise<void> | undefined;
    return {
      ldapUrl: `ldap://127.0.0.1:${LDAP_PORT}`,
      ldapsUrl: `ldaps://127.0.0.1:${LDAPS_PORT}`,
      caPem: tls.caPem,
      baseDn: BASE_DN,
      realm: REALM,
      netbiosDomain: NETBIOS_DOMAIN,
      adminDn,
      adminPassword,
      serviceDn,
      servicePassword,
      userDn: userDnOf,
      dir,
      timings,
      stop() {
        stopped ??= (async () => {
          await terminate(running);
          await rm(dir, { recursive: true, force: true });
          process.removeListener('exit', exitHook);
        })();
        return stopped;
      },
    };
  } catch (err) {
    if (proc) await terminate(proc);
    await rm(dir, { recursive: true, force: true });
    process.removeListener('exit', exitHook);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// directory content

function userDnOf(sAMAccountName: string): string {
  return `CN=${escapeRdnValue(sAMAccountName)},CN=Users,${BASE_DN}`;
}

/** RFC 4514 escaping of an attribute value in a DN. */
function escapeRdnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (/^[ #]/.test(out)) out = `\\${out}`;
  if (/ $/.test(out)) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** The value AD expects in unicodePwd: the password in double quotes, UTF-16LE. */
function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

async function addUser(admin: Client, user: SambaAdUser, userAccountControl: number): Promise<void> {
  const dn = userDnOf(user.sAMAccountName);
  const attributes: Record<string, string | string[] | Buffer> = {
    objectClass: ['top', 'person', 'organizationalPerson', 'user'],
    sAMAccountName: user.sAMAccountName,
    userPrincipalName: `${user.sAMAccountName}@${REALM.toLowerCase()}`,
    unicodePwd: unicodePwd(user.password),
    userAccountControl: String(userAccountControl),
  };
  for (const key of ['givenName', 'sn', 'displayName', 'mobile', 'otherMailbox'] as const) {
    const v = user[key];
    if (v !== undefined) attributes[key] = v;
  }
  try {
    await admin.add(dn, attributes as never);
  } catch (err) {
    throw new Error(`startSambaAd: could not create ${dn}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

async function readSid(client: Client, dn: string): Promise<string> {
  const { searchEntries } = await client.search(dn, {
    scope: 'base',
    attributes: ['objectSid'],
    explicitBufferAttributes: ['objectSid'],
  });
  const raw = searchEntries[0]?.objectSid;
  if (!Buffer.isBuffer(raw)) throw new Error(`startSambaAd: no objectSid on ${dn}`);
  return sidToString(raw);
}

/** Binary SID (MS-DTYP 2.4.2.2) to S-1-5-21-... */
export function sidToString(sid: Buffer): string {
  const revision = sid.readUInt8(0);
  const count = sid.readUInt8(1);
  const authority = sid.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(sid.readUInt32LE(8 + 4 * i));
  return `S-${revision}-${authority}${subs.map((s) => `-${s}`).join('')}`;
}

// ---------------------------------------------------------------------------------------------
// smb.conf

async function addGlobalOptions(confPath: string, options: Record<string, string>): Promise<void> {
  const conf = await readFile(confPath, 'utf8');
  const lines = Object.entries(options).map(([k, v]) => `\t${k} = ${v}`).join('\n');
  const updated = conf.replace(/^\[global\][ \t]*$/m, (m) => `${m}\n${lines}`);
  if (updated === conf) throw new Error(`startSambaAd: no [global] section in ${confPath}`);
  await writeFile(confPath, updated);
}

// ---------------------------------------------------------------------------------------------
// processes


/** Ready = an LDAPS bind as Administrator succeeds with the certificate verified against the CA. */
async function waitReady(w: Watched, adminDn: string, adminPassword: string, caPem: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError = 'not tried';
  while (Date.now() < deadline) {
    if (w.exited) {
      throw new Error(`samba exited early (${w.exitInfo}):\n${w.output().trim() || '(no output)'}`);
    }
    const client = new Client({
      url: `ldaps://127.0.0.1:${LDAPS_PORT}`,
      timeout: 2000,
      connectTimeout: 1000,
      tlsOptions: { ca: caPem },
    });
    try {
      await client.bind(adminDn, adminPassword);
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    } finally {
      await client.unbind().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `samba did not become ready within ${START_TIMEOUT_MS} ms (last error: ${lastError}):\n${w.output().trim()}`,
  );
}

/** 389 and 636 must be free on 127.0.0.1 (and ::1, where Samba also listens with interfaces=lo). */
async function assertPortsFree(): Promise<void> {
  const taken: string[] = [];
  for (const port of [LDAP_PORT, LDAPS_PORT]) {
    for (const host of ['127.0.0.1', '::1']) {
      const status = await tryListen(host, port);
      if (status === 'in-use') taken.push(`${host.includes(':') ? `[${host}]` : host}:${port}`);
    }
  }
  if (taken.length > 0) {
    throw new Error(
      `startSambaAd: ${taken.join(', ')} already in use; Samba AD needs ports ${LDAP_PORT} and ${LDAPS_PORT} on loopback ` +
        '(another LDAP server or a leftover samba from an earlier run? see `ss -ltnp`)',
    );
  }
}

function tryListen(host: string, port: number): Promise<'free' | 'in-use' | 'unavailable'> {
  return new Promise((resolveListen) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      // EADDRNOTAVAIL / EAFNOSUPPORT: no IPv6 loopback here; Samba will not use it either.
      resolveListen(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? 'in-use' : 'unavailable');
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolveListen('free')));
  });
}

function run(file: string, args: string[], what: string): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(file, args, { maxBuffer: 16 * 1024 * 1024, timeout: COMMAND_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) {
        const output = `${String(stderr).trim()}\n${String(stdout).trim()}`.trim();
        const how = err.killed ? `killed after ${COMMAND_TIMEOUT_MS} ms` : typeof err.code === 'number' ? `exit code ${err.code}` : err.message;
        reject(new Error(`startSambaAd: ${what} failed (${how})${missingPackageHint(output)}:\n${tail(output)}`));
      } else {
        resolveRun(String(stdout));
      }
    });
  });
}

/** Debian splits the AD DC into several packages; name the one that is missing. */
function missingPackageHint(output: string): string {
  if (/samba-ad-provision/.test(output)) {
    return '. The Debian package samba-ad-provision is not installed (apt-get install samba-ad-dc samba-ad-provision)';
  }
  if (/Module \[samba_\w+\] not found|Unable to load modules for .*\.ldb/.test(output)) {
    return '. The Debian package samba-dsdb-modules is not installed (apt-get install samba-ad-dc)';
  }
  if (/samba\/vfs\/\w+\.so: cannot open shared object/.test(output)) {
    return '. The Debian package samba-vfs-modules is not installed (apt-get install samba-ad-dc)';
  }
  return '';
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** samba lives in /usr/sbin, which is not always on PATH. */
function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/bin'];
  for (const d of dirs) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  throw new Error(`startSambaAd: ${name} not found (install the Debian packages samba, samba-ad-dc, samba-ad-provision)`);
}

/** Random, and always meets AD complexity (upper, lower, digit, symbol; no account name in it). */
function strongPassword(): string {
  return `Hd-${randomBytes(12).toString('base64url')}-9a!Z`;
}
