import type { ConnectionReport, SettingsView } from '@common/dto';
import type { ApiError } from '@common/result';
import { DIALECT_DEFAULTS, type Dialect } from '@common/dialects';
import type { Settings } from '@common/settings';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../bridge';
import { DEFAULT_IDLE_LOCK_MINUTES, DEFAULT_RETENTION_MONTHS } from '@common/setting-bounds';
import { useAppStore } from './app';
import { clearOnSignOut, useSessionStore } from './session';
import { SMTP_PORTS, attributesFormOf, directorySettingsOf, formOf, optionalNumberOf, smsSettingsOf, mailSettingsOf, sameSmsEndpoint, sameMailEndpoint, type SmsProvider, type MailProvider, type SmtpFields, type DirectoryForm, type SettingsForm, type SecretInput } from '../flows/settings-form';

/** The form's shapes, defaults and mapping (pure functions) live in flows/settings-form.ts; its names are re-exported here. */
export * from '../flows/settings-form';

/** Settings as viewed and edited on the settings screen. */
export const useSettingsStore = defineStore('settings', () => {
  const view = ref<SettingsView | null>(null);
  const form = ref<SettingsForm>(formOf(null));
  /** The form as last loaded or saved: anything else typed since is an unsaved change. */
  const pristine = ref(JSON.stringify(form.value));
  /** Something typed or chosen that is not saved (a password typed counts): leaving asks first. */
  const dirty = computed(() => JSON.stringify(form.value) !== pristine.value);
  const loading = ref(false);
  const loadError = ref<ApiError | null>(null);
  const saving = ref(false);
  const saveError = ref<ApiError | null>(null);
  const saved = ref<'saved' | 'signed-out' | null>(null);
  const testing = ref(false);
  const report = ref<ConnectionReport | null>(null);
  const testError = ref<ApiError | null>(null);
  /** True while a save reloads the session (a mode change ends it: see clear()). */
  let sessionEndedBySave = false;
  /** Moves on at every clear(): an answer that arrives for an earlier session is dropped. */
  let epoch = 0;

  async function load(): Promise<void> {
    const at = epoch;
    loading.value = true;
    // The last visit's messages go now: a save or a test made while this read is on its way keeps its own.
    saveError.value = null;
    saved.value = null;
    report.value = null;
    testError.value = null;
    const r = await api.settings.get({});
    if (at !== epoch) return;
    loading.value = false;
    if (r.ok) {
      view.value = r.value;
      // What was typed while the settings were read again (the screen shows the last ones meanwhile) stays,
      // as an unsaved change against the settings just read; an untouched form takes them.
      const fresh = formOf(r.value);
      if (!dirty.value) form.value = fresh;
      pristine.value = JSON.stringify(fresh);
      loadError.value = null;
    } else {
      loadError.value = r.error;
    }
  }

  /** A different directory type: its default filter and attribute mapping replace the current ones. */
  function applyDialect(dialect: Dialect): void {
    const d = form.value.directory;
    d.dialect = dialect;
    d.userFilter = DIALECT_DEFAULTS[dialect].userFilter;
    d.attributes = attributesFormOf(DIALECT_DEFAULTS[dialect].attributes);
  }

  function directoryTouched(d: DirectoryForm): boolean {
    return d.url.trim() !== '' || d.baseDn.trim() !== '' || d.serviceBindDn.trim() !== '';
  }

  /**
   * The Settings to send: the profile goes along in directory mode, or when the operator filled it in.
   * With `relays`, the agency name, the SMS and mail relays, the audit retention and the idle lock too:
   * a relay is sent when one is chosen, or as `{ provider: 'none' }` when the operator turns a saved one
   * off; left out otherwise, so the main process keeps what it has. The retention and the idle minutes
   * go when typed (or when a saved one is emptied: as the default).
   */
  function settingsOf(withDirectory: boolean, relays: boolean): Settings {
    const f = form.value;
    const saved = view.value?.settings;
    const s: Settings = { version: 1, locale: saved?.locale ?? 'vi', mode: f.mode };
    if (withDirectory || f.mode === 'directory' || directoryTouched(f.directory)) {
      s.directory = directorySettingsOf(f.directory);
    }
    if (!relays) return s;
    const agency = f.agencyName.trim();
    if (agency !== '') s.agencyName = agency;
    else if (saved?.agencyName) s.agencyName = ''; // cleared: '' survives JSON (undefined would be dropped)
    if (f.sms.provider !== 'none' || (saved?.sms && saved.sms.provider !== 'none')) s.sms = smsSettingsOf(f.sms);
    if (f.mail.provider !== 'none' || (saved?.mail && saved.mail.provider !== 'none')) s.mail = mailSettingsOf(f.mail);
    const retention = optionalNumberOf(f.auditRetention);
    if (retention !== null) s.audit = { retentionMonths: retention };
    // Emptied: back to the default. Left out, the main process would keep the saved value.
    else if (saved?.audit) s.audit = { retentionMonths: DEFAULT_RETENTION_MONTHS };
    const idle = optionalNumberOf(f.idleLockMinutes);
    if (idle !== null) s.session = { idleLockMinutes: idle };
    else if (saved?.session) s.session = { idleLockMinutes: DEFAULT_IDLE_LOCK_MINUTES };
    return s;
  }

  function passwordInput(): { servicePassword?: string } {
    const p = form.value.servicePassword;
    return p === '' ? {} : { servicePassword: p };
  }

  /** The relay secrets the operator typed for the chosen providers, or the half of the eSMS pair that is missing. */
  function secretInput(): SecretInput | ApiError {
    const f = form.value;
    const out: SecretInput = {};
    if (f.sms.provider === 'esms') {
      const apiKey = f.smsApiKey.trim();
      const secretKey = f.smsSecretKey.trim();
      if (apiKey !== '' || secretKey !== '') {
        if (apiKey === '') return { code: 'VALIDATION_FAILED', field: 'smsSecret', reason: 'required' };
        if (secretKey === '') return { code: 'VALIDATION_FAILED', field: 'smsSecret.secretKey', reason: 'required' };
        out.smsSecret = JSON.stringify({ apiKey, secretKey });
      }
    } else if (f.sms.provider !== 'none' && f.smsSecret !== '') {
      out.smsSecret = f.smsSecret;
    }
    if (f.mail.provider === 'smtp' && f.mailPassword !== '') out.mailPassword = f.mailPassword;
    return out;
  }

  /** Whether the keychain holds a secret for the SMS endpoint now on the form. */
  const smsSecretStored = computed(
    () => !!view.value?.smsSecretStored && sameSmsEndpoint(view.value.settings.sms, smsSettingsOf(form.value.sms)),
  );
  /** Whether the keychain holds the password for the SMTP account now on the form. */
  const mailPasswordStored = computed(
    () => !!view.value?.mailPasswordStored && sameMailEndpoint(view.value.settings.mail, mailSettingsOf(form.value.mail)),
  );

  /** Another SMS provider: the secrets typed for the previous one are never sent to this one. */
  function chooseSmsProvider(provider: SmsProvider): void {
    const f = form.value;
    f.sms.provider = provider;
    f.smsSecret = '';
    f.smsApiKey = '';
    f.smsSecretKey = '';
  }

  function chooseMailProvider(provider: MailProvider): void {
    form.value.mail.provider = provider;
    form.value.mailPassword = '';
  }

  /** Another SMTP security mode: the port follows when it was the other mode's standard port (or empty). */
  function chooseMailSecurity(security: SmtpFields['security']): void {
    const smtp = form.value.mail.smtp;
    const port = smtp.port as number | string;
    if (port === '' || Object.values(SMTP_PORTS).includes(port as 587 | 465)) smtp.port = SMTP_PORTS[security];
    smtp.security = security;
  }

  async function save(): Promise<boolean> {
    saving.value = true;
    saveError.value = null;
    testError.value = null;
    saved.value = null;
    const session = useSessionStore();
    const wasSignedIn = session.signedIn;
    try {
      const secrets = secretInput();
      if ('code' in secrets) {
        saveError.value = secrets;
        return false;
      }
      const at = epoch;
      const r = await api.settings.save({ settings: settingsOf(false, true), ...passwordInput(), ...secrets });
      if (at !== epoch) {
        // The session ended while the save was on its way (a mode change ends it before the answer):
        // a save that took effect still says so; the screen holds the saved settings, no secret.
        if (r.ok) {
          view.value = r.value;
          form.value = formOf(r.value);
          pristine.value = JSON.stringify(form.value);
          saved.value = 'signed-out';
        }
        return r.ok;
      }
      if (!r.ok) {
        saveError.value = r.error;
        return false;
      }
      view.value = r.value;
      form.value = formOf(r.value);
      pristine.value = JSON.stringify(form.value);
      // A changed mode restarts the directory and ends the session in the main process.
      sessionEndedBySave = true;
      try {
        await Promise.all([useAppStore().load(), session.load()]);
      } finally {
        sessionEndedBySave = false;
      }
      saved.value = wasSignedIn && !session.signedIn ? 'signed-out' : 'saved';
      return true;
    } finally {
      saving.value = false;
    }
  }

  /** "Bỏ thay đổi": the form as last loaded or saved again (passwords and keys typed forgotten). */
  function discard(): void {
    form.value = formOf(view.value);
    pristine.value = JSON.stringify(form.value);
    saveError.value = null;
    testError.value = null;
  }

  async function testConnection(): Promise<void> {
    testing.value = true;
    report.value = null;
    testError.value = null;
    saveError.value = null;
    saved.value = null;
    try {
      const at = epoch;
      const r = await api.settings.testConnection({ settings: settingsOf(true, false), ...passwordInput() });
      if (at !== epoch) return;
      if (r.ok) report.value = r.value;
      else testError.value = r.error;
    } finally {
      testing.value = false;
    }
  }

  /**
   * Sign-out: what was read or typed here (the settings, passwords and keys typed, a connection
   * report) is forgotten; the screen reads the settings again when opened. Except when the save itself
   * ended the session (a mode change): its answer stays, with `saved` saying so, and its form holds
   * the saved settings with no secret (formOf never carries one).
   */
  function clear(): void {
    if (sessionEndedBySave) return;
    epoch += 1;
    view.value = null;
    form.value = formOf(null);
    pristine.value = JSON.stringify(form.value);
    loading.value = false;
    loadError.value = null;
    saving.value = false;
    saveError.value = null;
    saved.value = null;
    testing.value = false;
    report.value = null;
    testError.value = null;
  }

  clearOnSignOut(clear);

  return {
    view,
    form,
    loading,
    loadError,
    saving,
    saveError,
    saved,
    testing,
    report,
    testError,
    dirty,
    smsSecretStored,
    mailPasswordStored,
    load,
    applyDialect,
    chooseSmsProvider,
    chooseMailProvider,
    chooseMailSecurity,
    save,
    testConnection,
    discard,
    clear,
  };
});
