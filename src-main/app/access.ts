import type { HelpdeskApi } from '../common/api';
import type { OperatorInfo } from '../common/dto';
import { type AnyCall, buildApi } from '../common/manifest';
import { fail } from '../common/result';
import { type Access, checkAccess, PASSIVE_METHODS, PERMISSIONS } from '../common/roles';


export interface AccessContext {
  /** The signed-in user, if any. */
  operator(): OperatorInfo | null;
  /** True during the first setup only (training mode, nothing stored yet): settings are open without sign-in. */
  setup(): Promise<boolean>;
  /** A signed-in user asked for something their roles do not allow (audited by the caller). */
  denied(who: OperatorInfo, method: string): Promise<void>;
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
  return buildApi((group, method) => {
    const call = (api as unknown as Record<string, Record<string, AnyCall>>)[group]![method]!;
    const rule = (PERMISSIONS as unknown as Record<string, Record<string, Access>>)[group]![method]!;
    const passive = PASSIVE_METHODS.has(`${group}.${method}`);
    return async (input) => {
      const who = ctx.operator();
      // A locked session reaches nothing but the public methods (sign-in, sign-out, unlock).
      if (rule !== 'public' && who && ctx.locked()) return fail('SESSION_LOCKED');
      const verdict = checkAccess(rule, who, rule !== 'public' && rule.openDuringSetup === true ? await ctx.setup() : false);
      if (verdict === 'allowed') {
        if (who && rule !== 'public' && !passive) ctx.active();
        return call(input);
      }
      if (verdict === 'ROLE_NOT_ALLOWED' && who) await ctx.denied(who, `${group}.${method}`);
      return fail(verdict);
    };
  });
}
