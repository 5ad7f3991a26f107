import type { Case } from '../../domain/case';
import { HelpdeskError } from '../../domain/errors';
import type { AuditLog, AuditRecord, CaseKeeper, CaseStore } from '../../domain/ports';

/**
 * One workstation's cases, in memory (as they always were: a case lasts one call, and a restart ends
 * it). The team's cases live in its PostgreSQL store instead (adapters/team/case-store).
 */
export class MemoryCaseStore implements CaseStore {
  private readonly cases = new Map<string, Case>();
  private readonly busy = new Set<string>();

  /** `audit`: where a case's rows go (the workstation's audit), before the case keeps what they record. */
  constructor(private readonly audit: Pick<AuditLog, 'append'>) {}

  async insert(c: Case, opening: AuditRecord): Promise<void> {
    await this.audit.append(opening);
    this.cases.set(c.id, c);
  }

  async read(caseId: string): Promise<Case | null> {
    return this.cases.get(caseId) ?? null;
  }

  async exclusive<T>(caseId: string, fn: (c: Case | null, keep: CaseKeeper) => Promise<T>, closing: AuditRecord[] = []): Promise<T> {
    if (this.busy.has(caseId)) throw new HelpdeskError('CASE_BUSY');
    this.busy.add(caseId);
    try {
      const c = this.cases.get(caseId) ?? null;
      /** The case as kept (at the start, or by `keep`): what rows that cannot be written put it back to. */
      let before = c ? structuredClone(c) : null;
      // The very object: what fn changes is kept, as the port says — once its closing rows are written.
      let result: { ok: true; value: T } | { ok: false; err: unknown };
      try {
        // Kept as it is: the row written, the case (in memory, the caller's object) takes the state after it.
        const keep: CaseKeeper = async (state, row) => {
          await this.audit.append(row);
          before = structuredClone(state);
        };
        result = { ok: true, value: await fn(c, keep) };
      } catch (err) {
        result = { ok: false, err };
      }
      try {
        for (const row of closing) await this.audit.append(row);
      } catch (err) {
        if (c && before) Object.assign(c, before);
        throw result.ok ? err : result.err;
      }
      if (!result.ok) throw result.err;
      return result.value;
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
