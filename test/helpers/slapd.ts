/**
 * A throwaway OpenLDAP server (slapd from Debian's `slapd` package, 2.5) for integration tests
 * and benchmarks: back-mdb in a fresh temp dir, the ppolicy overlay with a lockout policy, the
 * Helpdesk schema, a service account, optional TLS (StartTLS + ldaps://) with a throwaway CA.
 *
 *   const ldap = await startSlapd({ ldif });
 *   try { ... new Client({ url: ldap.url }) ... } finally { await ldap.stop(); }
 *
 * Outages for fault tests: `halt()` stops the server (SIGTERM, or SIGKILL) keeping its port, config and
 * data; `start()` brings it back on the same port(s) with the same data; `signal('SIGSTOP')` makes it hang.
 *
 * Nothing is registered globally: the caller must call stop().
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'ldapts';
import { freePort } from './free-port';
import { terminate, watch, type Watched } from './server-process';
import { makeTestCertificates, type TestCertificates } from './test-ca';
import { sshaHash, trainingRoleGroups } from '../../src-main/adapters/training/training-directory';
import { directoryDefaults, type DirectorySettings } from '../../src-main/common/settings';

export interface SlapdOptions {
  /** Default 'dc=example,dc=gov,dc=vn'. */
  baseDn?: string;
  /**
   * LDIF loaded with slapadd before start. If it does not contain the base entry, the harness
   * creates the base entry and ou=people, ou=policies, ou=system. The harness always adds the
   * service account (the LDIF must not contain it) and adds cn=default,ou=policies unless the
   * LDIF has it. ppolicy operational attributes (pwdAccountLockedTime, pwdFailureTime, pwdReset,
   * pwdChangedTime, pwdHistory, ...) are accepted by slapadd.
   */
  ldif?: string;
  /** Also make a throwaway CA + server cert, enable StartTLS on ldap:// and listen on ldaps://. */
  tls?: boolean;
  /** The names on the server certificate when tls (openssl subjectAltName syntax). Default IP:127.0.0.1, DNS:localhost. */
  tlsAltNames?: string;
  /** slapadd -q (for large loads). */
  quick?: boolean;
  /**
   * Flush every write to disk as a production server does (no `dbnosync`). Off by default: the tests'
   * servers are throwaway and `dbnosync` keeps them quick; the bench turns it on so write times are real.
   */
  durable?: boolean;
  /** Extra schema files to include (e.g. the Zimbra fixture schema). */
  schemas?: string[];
  /**
   * The service account's search limits. 'unlimited' (default): its own `limits` line lifts every size
   * and time limit, as an admin who followed the README would set. 'stock': no `limits` line, so the
   * server's defaults apply as on a fresh install (`sizelimit 500`, `timelimit 3600`; paged searches
   * are capped by the same 500 in all).
   */
  limits?: 'unlimited' | 'stock';
}

export interface SlapdHandle {
  /** ldap://127.0.0.1:<port> */
  url: string;
  /** ldaps://127.0.0.1:<port> when tls */
  ldapsUrl?: string;
  /** The CA certificate (PEM) when tls. */
  caPem?: string;
  baseDn: string;
  /** cn=admin,<base> (rootdn: bypasses ACLs and ppolicy) */
  rootDn: string;
  rootPassword: string;
  /** cn=helpdesk-service,ou=system,<base> */
  serviceDn: string;
  servicePassword: string;
  /** cn=default,ou=policies,<base> */
  policyDn: string;
  /** The temp dir (config, database, certificates). */
  dir: string;
  /** The pid of the slapd running now; null while halted. */
  pid(): number | null;
  /** Sends a signal to the slapd running now (SIGSTOP: it hangs, connections are accepted but never answered; SIGCONT). */
  signal(signal: NodeJS.Signals): void;
  /** Stops the server (SIGTERM, or the given signal, e.g. SIGKILL) and waits for it to exit; port, config and data stay for start(). */
  halt(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Hangs the server (SIGSTOP) and returns once the kernel shows every thread stopped (state T in
   * /proc/<pid>/stat): a request sent after this is never answered until resume(). SIGSTOP alone
   * returns before a thread running on another core has stopped.
   */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Starts the server again on the same port(s) with the same config and data, and waits until it answers. */
  start(): Promise<void>;
  /** SIGTERM, wait for exit, remove the dir. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_BASE_DN = 'dc=example,dc=gov,dc=vn';
const START_TIMEOUT_MS = 15_000;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HELPDESK_SCHEMA = join(REPO_ROOT, 'resources', 'ldap', 'helpdesk.schema');

/** ppolicy's operational attributes (OpenLDAP 2.5: all defined by the ppolicy module itself). */
const PPOLICY_OPERATIONAL_ATTRS = [
  'pwdAccountLockedTime',
  'pwdFailureTime',
  'pwdReset',
  'pwdChangedTime',
  'pwdHistory',
  'pwdGraceUseTime',
  'pwdPolicySubentry',
  'pwdLastSuccess',
  'pwdStartTime',
  'pwdEndTime',
  'pwdAccountTmpLockoutEnd',
];

/** `{SSHA}` hash (salted SHA-1, as slappasswd makes by default) of a password. */
export { sshaHash };

export async function startSlapd(opts: SlapdOptions = {}): Promise<SlapdHandle> {
  const baseDn = opts.baseDn ?? DEFAULT_BASE_DN;
  const rootDn = `cn=admin,${baseDn}`;
  const serviceDn = `cn=helpdesk-service,ou=system,${baseDn}`;
  const policyDn = `cn=default,ou=policies,${baseDn}`;
  const rootPassword = randomPassword();
  const servicePassword = randomPassword();
  const slapdBin = findBinary('slapd');
  const slapaddBin = findBinary('slapadd');
  if (!existsSync(HELPDESK_SCHEMA)) throw new Error(`startSlapd: schema not found: ${HELPDESK_SCHEMA}`);

  const dir = await mkdtemp(join(tmpdir(), 'helpdesk-slapd-'));
  try {
    const dbDir = join(dir, 'db');
    await mkdir(dbDir, { mode: 0o700 });

    let tlsFiles: TestCertificates | undefined;
    if (opts.tls) tlsFiles = await makeTestCertificates(dir, undefined, opts.tlsAltNames);

    const confPath = join(dir, 'slapd.conf');
    await writeFile(
      confPath,
      slapdConf({ dir, dbDir, baseDn, rootDn, rootPassword, serviceDn, policyDn, tls: tlsFiles, schemas: opts.schemas ?? [], durable: opts.durable === true, stockLimits: opts.limits === 'stock' }),
      { mode: 0o600 },
    );

    const ldifPath = join(dir, 'load.ldif');
    await writeFile(ldifPath, buildLdif({ baseDn, serviceDn, servicePassword, policyDn, ldif: opts.ldif ?? '' }), {
      mode: 0o600,
    });
    await run(slapaddBin, ['-f', confPath, '-l', ldifPath, ...(opts.quick ? ['-q'] : [])], 'slapadd');
    await rm(ldifPath, { force: true });

    // The ports come from freePort(): another process may grab one before slapd binds it, so
    // retry a couple of times on "Address already in use".
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const ldapsPort = tlsFiles ? await freePort() : undefined;
      const url = `ldap://127.0.0.1:${port}`;
      const ldapsUrl = ldapsPort === undefined ? undefined : `ldaps://127.0.0.1:${ldapsPort}`;
      const listeners = [`${url}/`, ...(ldapsUrl ? [`${ldapsUrl}/`] : [])].join(' ');
      const launch = async (): Promise<Watched> => {
        // -d 32768 ("none"): stay in the foreground and print only the messages logged whatever
        // the level (startup banner, fatal errors such as a failed bind(2)). -d 0 also stays in
        // the foreground but prints nothing at all, not even why slapd exited.
        const child = spawn(slapdBin, ['-f', confPath, '-h', listeners, '-d', '32768'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const w = watch(child);
        try {
          await waitReady(w, port, ldapsPort, rootDn, rootPassword);
        } catch (err) {
          await terminate(w);
          throw Object.assign(err instanceof Error ? err : new Error(String(err)), { portInUse: w.exited && /Address already in use/.test(w.output()) });
        }
        return w;
      };
      let proc: Watched;
      try {
        proc = await launch();
      } catch (err) {
        lastError = err;
        if ((err as { portInUse?: boolean }).portInUse) continue;
        throw err;
      }
      let stopped: Promise<void> | undefined;
      /** Stops the current process; a stopped (SIGSTOP) one is continued so that it can end. */
      const end = async (signal: NodeJS.Signals): Promise<void> => {
        if (proc.exited) return;
        proc.child.kill(signal);
        proc.child.kill('SIGCONT');
        await terminate(proc);
      };
      return {
        url,
        ldapsUrl,
        caPem: tlsFiles?.caPem,
        baseDn,
        rootDn,
        rootPassword,
        serviceDn,
        servicePassword,
        policyDn,
        dir,
        pid: () => (proc.exited ? null : (proc.child.pid ?? null)),
        signal(signal) {
          if (proc.exited) throw new Error('slapd is not running');
          proc.child.kill(signal);
        },
        halt: (signal = 'SIGTERM') => end(signal),
        async pause() {
          if (proc.exited || proc.child.pid === undefined) throw new Error('slapd is not running');
          const pid = proc.child.pid;
          proc.child.kill('SIGSTOP');
          const deadline = Date.now() + 5000;
          for (;;) {
            // Every thread (task) stopped: /proc/<pid>/task/<tid>/stat has state T for each.
            const tasks = await readdir(`/proc/${pid}/task`);
            const states = await Promise.all(tasks.map(async (t) => (await readFile(`/proc/${pid}/task/${t}/stat`, 'utf8')).replace(/^.*\) /su, '')[0]));
            if (states.every((st) => st === 'T' || st === 't')) return;
            if (Date.now() > deadline) throw new Error(`slapd did not stop: thread states ${states.join('')}`);
            await new Promise((r) => setTimeout(r, 10));
          }
        },
        resume() {
          if (!proc.exited) proc.child.kill('SIGCONT');
        },
        async start() {
          if (stopped) throw new Error('slapd was stopped for good');
          if (!proc.exited) return;
          // The port was just released: a socket of the old process may hold it for a moment.
          for (let attempt = 0; ; attempt++) {
            try {
              proc = await launch();
              return;
            } catch (err) {
              if (!(err as { portInUse?: boolean }).portInUse || attempt >= 20) throw err;
              await new Promise((r) => setTimeout(r, 250));
            }
          }
        },
        stop() {
          stopped ??= (async () => {
            await end('SIGTERM');
            await rm(dir, { recursive: true, force: true });
          })();
          return stopped;
        },
      };
    }
    throw lastError;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// slapd.conf

interface ConfParams {
  dir: string;
  dbDir: string;
  baseDn: string;
  rootDn: string;
  rootPassword: string;
  serviceDn: string;
  policyDn: string;
  tls: TestCertificates | undefined;
  schemas: string[];
  durable: boolean;
  stockLimits: boolean;
}

function slapdConf(p: ConfParams): string {
  const q = (s: string): string => `"${s.replace(/(["\\])/g, '\\$1')}"`;
  const lines = [
    '# Generated by test/helpers/slapd.ts (throwaway test server)',
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    // OpenLDAP 2.5: the ppolicy schema (pwdPolicy, pwdAccountLockedTime, ...) is built into the
    // overlay module; there is no ppolicy.schema to include any more.
    'moduleload ppolicy',
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'include /etc/ldap/schema/nis.schema',
    `include ${q(HELPDESK_SCHEMA)}`,
    ...p.schemas.map((s) => `include ${q(s)}`),
    `pidfile ${q(join(p.dir, 'slapd.pid'))}`,
    `argsfile ${q(join(p.dir, 'slapd.args'))}`,
  ];
  if (p.tls) {
    lines.push(
      `TLSCACertificateFile ${q(p.tls.caCertPath)}`,
      `TLSCertificateFile ${q(p.tls.certPath)}`,
      `TLSCertificateKeyFile ${q(p.tls.keyPath)}`,
      'TLSVerifyClient never',
    );
  }
  const svc = q(p.serviceDn);
  lines.push(
    // Frontend: the root DSE and the schema stay readable, as on a typical server.
    'access to dn.base="" by * read',
    'access to dn.base="cn=Subschema" by * read',
    '',
    'database mdb',
    'maxsize 2147483648',
    ...(p.durable ? [] : ['dbnosync']),
    `suffix ${q(p.baseDn)}`,
    `rootdn ${q(p.rootDn)}`,
    `rootpw ${sshaHash(p.rootPassword)}`,
    `directory ${q(p.dbDir)}`,
    'index objectClass eq',
    'index uid eq,sub',
    'index mail eq,sub',
    'index mobile eq',
    // The default mapping also looks for a mobile in telephoneNumber: unindexed, an OR with it would read every entry.
    'index telephoneNumber eq',
    'index cn eq,sub',
    'index hdCitizenId eq',
    'index hdTaxCode eq',
    'index hdSocialInsuranceCode eq',
    'index hdRecoveryEmail eq',
    'index entryUUID eq',
    // The search index's delta reads ask for (modifyTimestamp>=…): an eq index serves the inequality (issue #15).
    'index modifyTimestamp eq',
    // A directory's service account usually gets its own limits; the default 500 would cut scans short.
    // With stockLimits the server keeps its defaults, as on a fresh install.
    ...(p.stockLimits ? [] : [`limits dn.exact=${svc} size=unlimited size.pr=unlimited size.prtotal=unlimited time=unlimited`]),
    `access to attrs=userPassword by dn.exact=${svc} write by self write by anonymous auth by * none`,
    `access to attrs=${PPOLICY_OPERATIONAL_ATTRS.join(',')} by dn.exact=${svc} write by self read by * none`,
    `access to * by dn.exact=${svc} write by self read by users read by anonymous auth by * none`,
    'overlay ppolicy',
    `ppolicy_default ${q(p.policyDn)}`,
    'ppolicy_use_lockout',
    // As production servers should: a cleartext password written by a modify is stored hashed.
    'ppolicy_hash_cleartext',
    '',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// LDIF

interface LdifParams {
  baseDn: string;
  serviceDn: string;
  servicePassword: string;
  policyDn: string;
  ldif: string;
}

function buildLdif(p: LdifParams): string {
  const userLdif = p.ldif.replace(/^(?:#[^\n]*\n|\s*\n)*version:[ \t]*1[ \t]*\r?\n/, '').trim();
  const dns = ldifDns(userLdif);
  const has = (dn: string): boolean => dns.has(normDn(dn));
  if (has(p.serviceDn)) {
    throw new Error(`startSlapd: the LDIF must not contain ${p.serviceDn}; the harness adds it`);
  }
  const people = `ou=people,${p.baseDn}`;
  const policies = `ou=policies,${p.baseDn}`;
  const system = `ou=system,${p.baseDn}`;
  const before: string[] = [];
  const after: string[] = [];
  if (!has(p.baseDn)) {
    before.push(baseEntry(p.baseDn), ouEntry(people), ouEntry(policies), ouEntry(system));
  } else {
    if (!has(policies) && !has(p.policyDn)) after.push(ouEntry(policies));
    if (!has(system)) after.push(ouEntry(system));
  }
  if (!has(p.policyDn)) {
    after.push(
      [
        `dn: ${p.policyDn}`,
        'objectClass: top',
        'objectClass: device',
        'objectClass: pwdPolicy',
        'cn: default',
        'pwdAttribute: userPassword',
        'pwdMaxAge: 15552000',
        'pwdExpireWarning: 1209600',
        'pwdLockout: TRUE',
        'pwdMaxFailure: 3',
        'pwdLockoutDuration: 0',
        'pwdFailureCountInterval: 0',
        'pwdMinLength: 8',
        'pwdInHistory: 5',
        'pwdCheckQuality: 1',
        'pwdMustChange: TRUE',
        'pwdAllowUserChange: TRUE',
      ].join('\n'),
    );
  }
  after.push(
    [
      `dn: ${p.serviceDn}`,
      'objectClass: top',
      'objectClass: applicationProcess',
      'objectClass: simpleSecurityObject',
      'cn: helpdesk-service',
      'description: Helpdesk service account (test harness)',
      `userPassword: ${sshaHash(p.servicePassword)}`,
    ].join('\n'),
  );
  return [...before, ...(userLdif ? [userLdif] : []), ...after].join('\n\n') + '\n';
}

/** The normalised DNs of the records of an LDIF text (handles folded lines and `dn::` base64). */
function ldifDns(ldif: string): Set<string> {
  const dns = new Set<string>();
  const re = /^dn(::?)[ \t]*([^\r\n]*(?:\r?\n [^\r\n]*)*)/gm;
  for (const m of ldif.matchAll(re)) {
    const value = (m[2] ?? '').replace(/\r?\n /g, '');
    dns.add(normDn(m[1] === '::' ? Buffer.from(value, 'base64').toString('utf8') : value));
  }
  return dns;
}

function normDn(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=+])\s*/g, '$1')
    .toLowerCase();
}

function baseEntry(baseDn: string): string {
  const m = /^\s*([A-Za-z]+)\s*=\s*((?:[^,\\]|\\.)+?)\s*(?:,|$)/.exec(baseDn);
  if (!m) throw new Error(`startSlapd: cannot parse base DN ${baseDn}`);
  const attr = (m[1] ?? '').toLowerCase();
  const value = m[2] ?? '';
  switch (attr) {
    case 'dc':
      return [`dn: ${baseDn}`, 'objectClass: top', 'objectClass: dcObject', 'objectClass: organization', `dc: ${value}`, `o: ${value}`].join('\n');
    case 'o':
      return [`dn: ${baseDn}`, 'objectClass: top', 'objectClass: organization', `o: ${value}`].join('\n');
    case 'ou':
      return [`dn: ${baseDn}`, 'objectClass: top', 'objectClass: organizationalUnit', `ou: ${value}`].join('\n');
    default:
      throw new Error(`startSlapd: cannot make a base entry for ${baseDn}; put it in the LDIF`);
  }
}

function ouEntry(dn: string): string {
  const ou = /^ou=([^,]+)/.exec(dn)?.[1] ?? '';
  return [`dn: ${dn}`, 'objectClass: top', 'objectClass: organizationalUnit', `ou: ${ou}`].join('\n');
}


// ---------------------------------------------------------------------------------------------
// processes


async function waitReady(
  w: Watched,
  port: number,
  ldapsPort: number | undefined,
  rootDn: string,
  rootPassword: string,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError = 'not tried';
  while (Date.now() < deadline) {
    if (w.exited) {
      throw new Error(`slapd exited early (${w.exitInfo}):\n${w.output().trim() || '(no output)'}`);
    }
    try {
      await tcpProbe(port);
      if (ldapsPort !== undefined) await tcpProbe(ldapsPort);
      const client = new Client({ url: `ldap://127.0.0.1:${port}`, timeout: 2000, connectTimeout: 1000 });
      try {
        await client.bind(rootDn, rootPassword);
      } finally {
        await client.unbind().catch(() => undefined);
      }
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `slapd did not become ready within ${START_TIMEOUT_MS} ms (last error: ${lastError}):\n${w.output().trim()}`,
  );
}

function tcpProbe(port: number): Promise<void> {
  return new Promise((resolveProbe, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolveProbe();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`connect to 127.0.0.1:${port} timed out`));
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
  });
}

function run(file: string, args: string[], what: string): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(file, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${what} failed (${err.message.split('\n')[0]}):\n${String(stderr).trim()}\n${String(stdout).trim()}`));
      } else {
        resolveRun(String(stdout));
      }
    });
  });
}

/** slapd / slapadd live in /usr/sbin, which is not always on a non-root user's PATH. */
function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  throw new Error(`startSlapd: ${name} not found (install the Debian package slapd)`);
}

function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * The directory profile of a harness slapd loaded with the generated training LDIF: OpenLDAP defaults,
 * its service account and policy, the training role groups (tongdai01 operator, giamsat01 supervisor…).
 */
export function trainingProfile(slapd: SlapdHandle, baseDn: string): DirectorySettings {
  return {
    ...directoryDefaults('openldap'),
    url: slapd.url,
    baseDn,
    serviceBindDn: slapd.serviceDn,
    passwordPolicyDn: slapd.policyDn,
    roleGroups: trainingRoleGroups(baseDn),
  };
}
