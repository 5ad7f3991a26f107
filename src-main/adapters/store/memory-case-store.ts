import type { Case } from '../../domain/case';
import { HelpdeskError } from '../../domain/errors';
import type { CaseStore } from '../../domain/ports';

/**
 * One workstation's cases, in memory (as they always were: a case lasts one call, and a restart ends
 * it). The team's cases live in its PostgreSQL store instead (adapters/team/case-store).
 */
export class MemoryCaseStore implements CaseStore {
  private readonly cases = new Map<string, Case>();
  private readonly busy = new Set<string>();

  async insert(c: Case): Promise<void> {
    this.cases.set(c.id, c);
  }

  async read(caseId: string): Promise<Case | null> {
    return this.cases.get(caseId) ?? null;
  }

  async exclusive<T>(caseId: string, fn: (c: Case | null) => Promise<T>): Promise<T> {
    if (this.busy.has(caseId)) throw new HelpdeskError('CASE_BUSY');
    this.busy.add(caseId);
    try {
      // The very object: what fn changes is kept, as the port says.
      return await fn(this.cases.get(caseId) ?? null);
    } finally {
      this.busy.delete(caseId);
    }
  }

  async openOn(accountKey: string): Promise<Case[]> {
    return this.open().filter((c) => c.accountKey === accountKey);
  }

  async waiting(): Promise<Case[]> {
    return this.open().filter((c) => c.handOff !== null || c.approval?.state === 'waiting');
  }

  async heldBy(holder: string): Promise<Case[]> {
    return this.open().filter((c) => c.holder === holder);
  }

  private open(): Case[] {
    return [...this.cases.values()].filter((c) => c.state.kind !== 'closed');
  }
}
