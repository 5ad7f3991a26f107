import { createRequire } from 'node:module';
import { HelpdeskError } from '../../domain/errors';
import type { SecretStore } from '../../domain/ports';

import type * as KeytarModule from 'keytar';

type Keytar = typeof KeytarModule;

const SERVICE = 'vn.gov.helpdesk';

/**
 * Secrets in the OS keychain (libsecret / Keychain / Credential Manager) through keytar.
 * No plaintext fallback: when the keychain is unreachable every call fails with SECRET_STORE_UNAVAILABLE.
 */
export class KeytarSecretStore implements SecretStore {
  private keytar: Keytar | null = null;

  constructor(private readonly service: string = SERVICE) {}

  private load(): Keytar {
    if (!this.keytar) {
      try {
        this.keytar = createRequire(import.meta.url)('keytar') as Keytar;
      } catch (err) {
        throw new HelpdeskError('SECRET_STORE_UNAVAILABLE', { detail: 'keytar not loadable', cause: err });
      }
    }
    return this.keytar;
  }

  private async call<T>(op: (k: Keytar) => Promise<T>): Promise<T> {
    try {
      return await op(this.load());
    } catch (err) {
      if (err instanceof HelpdeskError) throw err;
      throw new HelpdeskError('SECRET_STORE_UNAVAILABLE', { detail: 'keychain', cause: err });
    }
  }

  async available(): Promise<boolean> {
    try {
      await this.call((k) => k.findCredentials(this.service));
      return true;
    } catch {
      return false;
    }
  }

  get(name: string): Promise<string | null> {
    return this.call((k) => k.getPassword(this.service, name));
  }

  set(name: string, value: string): Promise<void> {
    return this.call((k) => k.setPassword(this.service, name, value));
  }

  async delete(name: string): Promise<void> {
    await this.call((k) => k.deletePassword(this.service, name));
  }
}

/** Secrets held only in memory: training mode and unit tests. Never writes anywhere. */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();
  async available(): Promise<boolean> {
    return true;
  }
  async get(name: string): Promise<string | null> {
    return this.values.get(name) ?? null;
  }
  async set(name: string, value: string): Promise<void> {
    this.values.set(name, value);
  }
  async delete(name: string): Promise<void> {
    this.values.delete(name);
  }
}
