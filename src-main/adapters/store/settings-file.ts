import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_SETTINGS, type Settings, settingsSchema } from '../../common/settings';
import { HelpdeskError } from '../../domain/errors';

/**
 * Settings as a JSON file (the same schema the settings screen writes). Holds no secret: the service
 * password lives in the keychain. Written atomically (temp file + rename).
 */
export class SettingsFile {
  constructor(readonly path: string) {}

  load(): Settings {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(DEFAULT_SETTINGS);
      throw err;
    }
    const parsed = settingsSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`settings file ${this.path} is invalid at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`);
    }
    return parsed.data;
  }

  save(settings: Settings): void {
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch (err) {
      throw new HelpdeskError('SETTINGS_WRITE_FAILED', { detail: (err as NodeJS.ErrnoException).code ?? 'write', cause: err });
    }
  }
}
