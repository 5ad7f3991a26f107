import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionReport, ConnectionStep, ConnectionStepReport, ConnectionWarning } from '../../common/dto';
import { type DirectorySettings, ldapTransport } from '../../common/settings';
import { HelpdeskError } from '../../domain/errors';
import type { Client } from 'ldapts';
import { newClient, openBound, tlsOptionsFor } from './connection';
import { toHelpdeskError } from './errors';

/**
 * "Kiểm tra kết nối": walks DNS → TCP → TLS → bind → base DN and stops at the first failure, so the
 * report names exactly what is wrong. Nothing is written; the password is used for one bind only.
 */
export async function testDirectoryConnection(s: DirectorySettings, servicePassword: string | null): Promise<ConnectionReport> {
  const steps: ConnectionStepReport[] = [];
  const url = new URL(s.url);
  const host = url.hostname.replace(/^\[|\]$/gu, '');
  const secure = ldapTransport(s) === 'ldaps';
  const port = Number(url.port || (secure ? 636 : 389));

  const run = async (step: ConnectionStep, fn: () => Promise<void>): Promise<boolean> => {
    const t0 = performance.now();
    try {
      await fn();
      steps.push({ step, ok: true, ms: Math.round(performance.now() - t0) });
      return true;
    } catch (err) {
      const e = err instanceof HelpdeskError ? err : toHelpdeskError(err, step === 'bind' ? 'service-bind' : 'connect');
      const r: ConnectionStepReport = { step, ok: false, ms: Math.round(performance.now() - t0), code: e.code };
      if (e.detail !== undefined) r.detail = e.detail;
      steps.push(r);
      return false;
    }
  };

  let address = host;
  let client: Client | null = null;
  try {
    const ok =
      (await run('dns', async () => {
        if (isIP(host) === 0) address = (await lookup(host)).address;
      })) &&
      (await run('tcp', () => tcpProbe(address, port, s.connectTimeoutMs))) &&
      (!(secure || s.startTls) || (await run('tls', () => (secure ? tlsProbe(address, port, s) : startTlsProbe(s))))) &&
      (await run('bind', async () => {
        if (!servicePassword) throw new HelpdeskError('SERVICE_PASSWORD_MISSING');
        client = await openBound(s, s.serviceBindDn, servicePassword);
      })) &&
      (await run('baseDn', async () => {
        try {
          const r = await client!.search(s.baseDn, { scope: 'base', attributes: ['1.1'] });
          if (r.searchEntries.length === 0) throw new HelpdeskError('DIRECTORY_BASE_DN', { detail: 'noSuchObject' });
        } catch (err) {
          throw toHelpdeskError(err, 'search');
        }
      }));
    const warnings = ok && client ? await policyWarnings(client, s) : [];
    return warnings.length > 0 ? { ok, steps, warnings } : { ok, steps };
  } finally {
    await (client as Client | null)?.unbind().catch(() => undefined);
  }
}

/**
 * OpenLDAP only: whether the profile's password policy holds users to "must change at next login"
 * (`pwdMustChange: TRUE`). Without it ppolicy keeps pwdReset but lets a temporary password stand.
 */
async function policyWarnings(client: Client, s: DirectorySettings): Promise<ConnectionWarning[]> {
  if (s.dialect !== 'openldap' || s.passwordPolicyDn === '') return [];
  try {
    const { searchEntries } = await client.search(s.passwordPolicyDn, { scope: 'base', attributes: ['pwdMustChange'] });
    const value = searchEntries[0]?.['pwdMustChange'];
    if (!searchEntries[0]) return ['policy_unreadable'];
    return String(Array.isArray(value) ? value[0] : (value ?? '')).toUpperCase() === 'TRUE' ? [] : ['must_change_not_enforced'];
  } catch {
    return ['policy_unreadable'];
  }
}

async function startTlsProbe(s: DirectorySettings): Promise<void> {
  const c = newClient(s);
  try {
    await c.startTLS(tlsOptionsFor(s));
  } catch (err) {
    const e = toHelpdeskError(err, 'connect');
    // Whatever refused the upgrade (a result code, a reset, a certificate), the TLS step is what failed.
    throw e.code === 'DIRECTORY_TIMEOUT' ? e : new HelpdeskError('DIRECTORY_TLS', { detail: e.detail ?? 'starttls', cause: err });
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    const timer = setTimeout(() => {
      sock.destroy();
      reject(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve();
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.connect(port, host);
  });
}

function tlsProbe(address: string, port: number, s: DirectorySettings): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ host: address, port, ...tlsOptionsFor(s) });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' }));
    }, s.connectTimeoutMs);
    sock.once('secureConnect', () => {
      clearTimeout(timer);
      sock.end();
      resolve();
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
