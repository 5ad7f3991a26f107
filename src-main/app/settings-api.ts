import type { HelpdeskApi } from '../common/api';
import type { AppMode, ConnectionReport, SettingsView } from '../common/dto';
import type { Result } from '../common/result';
import { DEFAULT_RETENTION_MONTHS, type DirectorySettings, type Settings } from '../common/settings';
import { dnKey } from '../domain/dn';
import { errorCodeOf, HelpdeskError } from '../domain/errors';
import type { AuditLog, SecretStore } from '../domain/ports';
import { type Desk, modeOf, type SettingsSource } from './desk';
import { parseEsmsSecret } from '../adapters/sms/index';
import { mailSecretKey, servicePasswordKey, smsSecretKey, teamKeysKey, teamPasswordKey } from './secret-keys';
import type { Session } from './session';

export interface SettingsDeps {
  settings: SettingsSource;
  secrets: SecretStore;
  audit: (mode: AppMode) => AuditLog;
  testConnection: (profile: DirectorySettings, servicePassword: string | null) => Promise<ConnectionReport>;
  desk: Desk;
  run: <T>(fn: () => Promise<T>) => Promise<Result<T>>;
}

/** The same directory: server URL and base DN (what the stored audit was written against). */
function sameDirectory(a: DirectorySettings, b: DirectorySettings): boolean {
  return a.url.toLowerCase() === b.url.toLowerCase() && dnKey(a.baseDn) === dnKey(b.baseDn);
}

/** The settings as the screen sees them (no secret, only whether each is stored), and whether this is the first setup. */
export function createSettingsView(deps: Pick<SettingsDeps, 'secrets' | 'audit' | 'desk'>): { view(): Promise<SettingsView>; setupOpen(): Promise<boolean> } {
  async function view(): Promise<SettingsView> {
    const settings = deps.desk.settings();
    const keychainAvailable = await deps.secrets.available();
    const has = async (key: string | null) => keychainAvailable && key !== null && (await deps.secrets.get(key).catch(() => null)) !== null;
    return {
      settings,
      servicePasswordStored: await has(settings.directory ? servicePasswordKey(settings.directory) : null),
      smsSecretStored: await has(settings.sms ? smsSecretKey(settings.sms) : null),
      mailPasswordStored: await has(settings.mail ? mailSecretKey(settings.mail) : null),
      keychainAvailable,
    };
  }

  /**
   * Whether this workstation was never put to work: no production audit row, and no secret of the stored
   * profile or relays in the keychain. Only then (and in training mode) are the settings open without
   * sign-in — the first setup. Once false it stays false; anything unreadable counts as used (fail closed).
   */
  let used = false;
  async function pristine(): Promise<boolean> {
    if (used) return false;
    try {
      const v = await view();
      used = (await deps.audit('directory').head()) !== null || v.servicePasswordStored || v.smsSecretStored || v.mailPasswordStored;
    } catch {
      return false;
    }
    return !used;
  }

  return { view, setupOpen: async () => deps.desk.mode() === 'training' && (await pristine()) };
}

/** `settings.*`: read, save (never half-applied), test a connection. */
export function createSettingsApi(deps: SettingsDeps, session: Session, view: () => Promise<SettingsView>, onDirectoryChanged: (why: string) => Promise<void>): HelpdeskApi['settings'] {
  const { desk } = deps;

  /** Every check first: what would refuse the save, before anything is written. */
  async function checkSave(
    settings: Settings,
    next: Settings,
    secrets: { servicePassword?: string; smsSecret?: string; mailPassword?: string },
  ): Promise<{ key: string; value: string }[]> {
    const { servicePassword, smsSecret, mailPassword } = secrets;
    if (next.mode === 'directory' && !next.directory) throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.directory', reason: 'required' });
    // Someone must still be able to change the settings once the directory decides who is who.
    if (next.mode === 'directory' && next.directory && next.directory.roleGroups.supervisor.length === 0) {
      throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.directory.roleGroups.supervisor', reason: 'required' });
    }
    // Leaving training mode re-confirms the whole profile: whoever turns the directory on gives the service
    // password and every relay secret again (training sign-ins are public), so nothing stored from before —
    // another profile's password, the agency's SMS account — is reused.
    if (modeOf(settings) === 'training' && next.mode === 'directory') {
      if (servicePassword === undefined) throw new HelpdeskError('VALIDATION_FAILED', { field: 'servicePassword', reason: 'required' });
      const sms = next.sms ?? settings.sms;
      const mail = next.mail ?? settings.mail;
      if (sms && smsSecretKey(sms) && smsSecret === undefined) throw new HelpdeskError('VALIDATION_FAILED', { field: 'smsSecret', reason: 'required' });
      if (mail && mailSecretKey(mail) && mailPassword === undefined) throw new HelpdeskError('VALIDATION_FAILED', { field: 'mailPassword', reason: 'required' });
      // The audit this workstation holds belongs to the directory it was written for: from training mode the
      // app goes back to that directory only. Another directory is configured signed in as its supervisor in
      // directory mode (or on a fresh data folder).
      if (settings.directory && next.directory && !sameDirectory(settings.directory, next.directory) && (await deps.audit('directory').head()) !== null) {
        throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'directory_identity' });
      }
    }
    // A team profile is taken only once this workstation holds its password and the team's keys (team.join
    // puts them there); a profile changed by hand to another store would find neither.
    if (next.team && JSON.stringify(next.team) !== JSON.stringify(settings.team ?? null)) {
      const [password, keys] = await Promise.all([deps.secrets.get(teamPasswordKey(next.team)), deps.secrets.get(teamKeysKey(next.team))]);
      if (!password || !keys) throw new HelpdeskError('TEAM_NOT_JOINED', { field: 'settings.team' });
    }
    const writes: { key: string; value: string }[] = [];
    if (servicePassword !== undefined) {
      if (!next.directory) throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.directory', reason: 'required' });
      writes.push({ key: servicePasswordKey(next.directory), value: servicePassword });
    }
    if (smsSecret !== undefined) {
      const key = next.sms ? smsSecretKey(next.sms) : null;
      if (!key) throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.sms', reason: 'required' });
      // eSMS needs two keys, kept as one keychain entry (`{"apiKey":"…","secretKey":"…"}`): read as the relay reads it.
      if (next.sms?.provider === 'esms' && parseEsmsSecret(smsSecret) === null) throw new HelpdeskError('VALIDATION_FAILED', { field: 'smsSecret', reason: 'invalid_format' });
      writes.push({ key, value: smsSecret });
    }
    if (mailPassword !== undefined) {
      const key = next.mail ? mailSecretKey(next.mail) : null;
      if (!key) throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.mail.user', reason: 'required' });
      writes.push({ key, value: mailPassword });
    }
    return writes;
  }

  /** A save that signs everyone out must leave a directory everyone can sign in to: its connection test passes first. */
  async function requireWorkingDirectory(profile: DirectorySettings, servicePassword: string | undefined): Promise<void> {
    const password = servicePassword ?? (await deps.secrets.get(servicePasswordKey(profile)));
    const report = await deps.testConnection(profile, password);
    const failed = report.steps.find((st) => !st.ok);
    if (!report.ok) throw new HelpdeskError(failed?.code ?? 'DIRECTORY_ERROR', { reason: 'connection_test', detail: failed ? `connection test: ${failed.step}` : 'connection test' });
  }

  return {
    get: () => deps.run(view),
    save: ({ settings: next, ...secrets }) =>
      deps.run(async () => {
        // Who may save is the access rule's business (supervisors; anyone during the first setup).
        const settings = desk.settings();
        const secretWrites = await checkSave(settings, next, secrets);
        // Keys the caller left out (e.g. relays edited elsewhere) keep their saved values.
        const merged: Settings = { ...settings, ...next };
        // Any change to the directory profile (server, base, service account, dialect, filters, role groups…)
        // ends the session and every open case: a verification holds for the directory it was made on.
        const modeChanged = modeOf(merged) !== modeOf(settings);
        // A team store joined, left or changed moves the audit and the counters elsewhere: the same as a new directory.
        const teamChanged = JSON.stringify(merged.team ?? null) !== JSON.stringify(settings.team ?? null);
        const directoryChanged = modeChanged || teamChanged || JSON.stringify(merged.directory ?? null) !== JSON.stringify(settings.directory ?? null);
        // The rows about this change go to the audit of the mode it was made in (and, when the mode changes,
        // to the new one as well); who made it, what roles and retention it sets.
        const previous = deps.audit(modeOf(settings));
        // The mode switched to must be able to audit (keychain reachable, its key fits the chain).
        if (modeChanged) await deps.audit(modeOf(merged)).head();
        if (directoryChanged && modeOf(merged) === 'directory' && merged.directory) await requireWorkingDirectory(merged.directory, secrets.servicePassword);
        const row = {
          operator: session.operator()?.username ?? null,
          action: 'settings.save' as const,
          outcome: 'ok' as const,
          detail: {
            mode: modeOf(merged),
            directoryChanged,
            roleGroups: JSON.stringify(merged.directory?.roleGroups ?? null),
            retentionMonths: merged.audit?.retentionMonths ?? DEFAULT_RETENTION_MONTHS,
            servicePasswordChanged: secrets.servicePassword !== undefined,
            smsSecretChanged: secrets.smsSecret !== undefined,
            mailPasswordChanged: secrets.mailPassword !== undefined,
            sms: merged.sms?.provider ?? 'none',
            mail: merged.mail?.provider ?? 'none',
          },
        };
        // The secrets, each remembered as it was: if a later step fails, the keychain is put back, and the
        // failure is audited with whether that worked (the audit itself may be what failed).
        const before: { key: string; value: string | null }[] = [];
        try {
          for (const w of secretWrites) {
            before.push({ key: w.key, value: await deps.secrets.get(w.key) });
            await deps.secrets.set(w.key, w.value);
          }
          await previous.append(row);
          deps.settings.save(merged);
        } catch (err) {
          let keychainRestored = true;
          for (const b of before.reverse()) {
            try {
              await (b.value === null ? deps.secrets.delete(b.key) : deps.secrets.set(b.key, b.value));
            } catch {
              keychainRestored = false;
            }
          }
          try {
            await previous.append({ ...row, outcome: 'error', detail: { ...row.detail, code: errorCodeOf(err), keychainRestored } });
          } catch {
            // nothing more can be recorded; the caller gets the first error
          }
          throw err;
        }
        if (directoryChanged) {
          await onDirectoryChanged('directory settings changed');
          await session.end('directory settings changed', previous);
        }
        await desk.replace(merged);
        if (modeChanged) await deps.audit(modeOf(merged)).append(row);
        return view();
      }),
    testConnection: ({ settings: candidate, servicePassword }) =>
      deps.run(async () => {
        const profile = candidate.directory;
        if (!profile) throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.directory', reason: 'required' });
        // The stored password is only ever offered to the exact profile it was saved for (and, by the access
        // rule, only to a supervisor once a directory is configured).
        const password = servicePassword ?? (await deps.secrets.get(servicePasswordKey(profile)).catch(() => null));
        return deps.testConnection(profile, password);
      }),
  };
}
