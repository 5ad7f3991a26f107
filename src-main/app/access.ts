import type { HelpdeskApi } from '../common/api';
import type { OperatorInfo } from '../common/dto';
import { API_MANIFEST } from '../common/manifest';
import { fail, type Result } from '../common/result';
import { type Access, checkAccess, PASSIVE_METHODS, PERMISSIONS } from '../common/roles';

type AnyCall = (input: unknown) => Promise<Result<unknown>>;

export interface AccessContext {
  /** The signed-in user, if any. */
  operator(): OperatorInfo | null;
  /** True during the first setup only (training mode, nothing stored yet): settings are open without sign-in. */
  setup(): Promise<boolean>;
  /** A signed-in user asked for something their roles do not allow (audited by the caller). */
  denied(who: OperatorInfo, method: string): void;
  /** Whether the session is locked (it locks here once the idle time has passed). */
  locked(): boolean;
  /** The operator did something: the idle time starts again. */
  active(): void;
}

/**
 * Wraps every contract method with its rule from PERMISSIONS: the role check happens here, in the
 * main process, for IPC, the web harness and direct calls alike — before the method runs.
 */
export function enforceAccess(api: HelpdeskApi, ctx: AccessContext): HelpdeskApi {
  const out: Record<string, Record<string, AnyCall>> = {};
  for (const group of Object.keys(API_MANIFEST) as (keyof HelpdeskApi)[]) {
    const calls = api[group] as unknown as Record<string, AnyCall>;
    const rules = PERMISSIONS[group] as Record<string, Access>;
    const wrapped: Record<string, AnyCall> = {};
    for (const method of API_MANIFEST[group] as readonly string[]) {
      const call = calls[method]!;
      const rule = rules[method]!;
      const passive = PASSIVE_METHODS.has(`${group}.${method}`);
      wrapped[method] = async (input) => {
        const who = ctx.operator();
        // A locked session reaches nothing but the public methods (sign-in, sign-out, unlock).
        if (rule !== 'public' && who && ctx.locked()) return fail('SESSION_LOCKED');
        const verdict = checkAccess(rule, who, rule !== 'public' && rule.openDuringSetup === true ? await ctx.setup() : false);
        if (verdict === 'allowed') {
          if (who && rule !== 'public' && !passive) ctx.active();
          return call(input);
        }
        if (verdict === 'ROLE_NOT_ALLOWED' && who) ctx.denied(who, `${group}.${method}`);
        return fail(verdict);
      };
    }
    out[group] = wrapped;
  }
  return out as unknown as HelpdeskApi;
}
