import type { AppMode, ConnectionReport, SettingsView } from '@common/dto';
import type { ApiError } from '@common/result';
import { DIALECT_DEFAULTS, type Dialect, directoryDefaults } from '@common/dialects';
import type { DirectorySettings, Settings } from '@common/settings';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../bridge';
import { useAppStore } from './app';
import { useSessionStore } from './session';

/** The editable form: the directory profile is always there, even in training mode. */
export interface SettingsForm {
  mode: AppMode;
  directory: DirectorySettings;
  /** Typed by the operator; sent only when not empty, never filled from the main process. */
  servicePassword: string;
}

function blankDirectory(dialect: Dialect = 'openldap'): DirectorySettings {
  return { ...directoryDefaults(dialect), url: '', baseDn: '', serviceBindDn: '' };
}

function formOf(view: SettingsView | null): SettingsForm {
  const d = view?.settings.directory;
  return {
    mode: view?.settings.mode ?? 'training',
    directory: d ? { ...d, attributes: { ...d.attributes } } : blankDirectory(),
    servicePassword: '',
  };
}

/** Settings as viewed and edited on the settings screen. */
export const useSettingsStore = defineStore('settings', () => {
  const view = ref<SettingsView | null>(null);
  const form = ref<SettingsForm>(formOf(null));
  const loading = ref(false);
  const loadError = ref<ApiError | null>(null);
  const saving = ref(false);
  const saveError = ref<ApiError | null>(null);
  const saved = ref<'saved' | 'signed-out' | null>(null);
  const testing = ref(false);
  const report = ref<ConnectionReport | null>(null);
  const testError = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    const r = await api.settings.get({});
    loading.value = false;
    if (r.ok) {
      view.value = r.value;
      form.value = formOf(r.value);
      loadError.value = null;
    } else {
      loadError.value = r.error;
    }
    saveError.value = null;
    saved.value = null;
    report.value = null;
    testError.value = null;
  }

  /** A different directory type: its default filter and attribute mapping replace the current ones. */
  function applyDialect(dialect: Dialect): void {
    const d = form.value.directory;
    d.dialect = dialect;
    d.userFilter = DIALECT_DEFAULTS[dialect].userFilter;
    d.attributes = { ...DIALECT_DEFAULTS[dialect].attributes };
  }

  function directoryTouched(d: DirectorySettings): boolean {
    return d.url.trim() !== '' || d.baseDn.trim() !== '' || d.serviceBindDn.trim() !== '';
  }

  /** The Settings to send: the profile goes along in directory mode, or when the operator filled it in. */
  function settingsOf(withDirectory: boolean): Settings {
    const f = form.value;
    const s: Settings = { version: 1, locale: view.value?.settings.locale ?? 'vi', mode: f.mode };
    if (withDirectory || f.mode === 'directory' || directoryTouched(f.directory)) {
      s.directory = { ...f.directory, attributes: { ...f.directory.attributes } };
    }
    return s;
  }

  function passwordInput(): { servicePassword?: string } {
    const p = form.value.servicePassword;
    return p === '' ? {} : { servicePassword: p };
  }

  async function save(): Promise<boolean> {
    saving.value = true;
    saveError.value = null;
    testError.value = null;
    saved.value = null;
    const session = useSessionStore();
    const wasSignedIn = session.signedIn;
    try {
      const r = await api.settings.save({ settings: settingsOf(false), ...passwordInput() });
      if (!r.ok) {
        saveError.value = r.error;
        return false;
      }
      view.value = r.value;
      form.value = formOf(r.value);
      // A changed mode restarts the directory and ends the session in the main process.
      await Promise.all([useAppStore().load(), session.load()]);
      saved.value = wasSignedIn && !session.signedIn ? 'signed-out' : 'saved';
      return true;
    } finally {
      saving.value = false;
    }
  }

  async function testConnection(): Promise<void> {
    testing.value = true;
    report.value = null;
    testError.value = null;
    saveError.value = null;
    saved.value = null;
    try {
      const r = await api.settings.testConnection({ settings: settingsOf(true), ...passwordInput() });
      if (r.ok) report.value = r.value;
      else testError.value = r.error;
    } finally {
      testing.value = false;
    }
  }

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
    load,
    applyDialect,
    save,
    testConnection,
  };
});
