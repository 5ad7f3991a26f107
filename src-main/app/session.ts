import type { HelpdeskApi } from '../common/api';
import type { CallRules, OperatorInfo, SessionInfo } from '../common/dto';
import type { Result } from '../common/result';
import { DEFAULT_IDLE_LOCK_MINUTES } from '../common/settings';
import { errorCodeOf, HelpdeskError } from '../domain/errors';
import type { AuditLog, Clock } from '../domain/ports';
import type { Desk } from './desk';

export interface SessionDeps {
  clock: Clock;
  desk: Desk;
  /** The first setup: settings open without sign-in (decided with the keychain and the audit). */
  setupOpen: () => Promise<boolean>;
  /** The rules of a call in force, for what screens say. */
  rules: CallRules;
  run: <T>(fn: () => Promise<T>) => Promise<Result<T>>;
  /** Before the directory is asked (team mode: the team's newer published profile is taken first). */
  beforeSignIn?: () => Promise<void>;
}

/** Who is at the desk: sign-in with the directory's roles, sign-out, the idle lock. */
export interface Session {
  api: HelpdeskApi['session'];
  operator(): OperatorInfo | null;
  requireOperator(): OperatorInfo;
  /** Locks the session once the idle time has passed since the last activity (audited once). */
  isLocked(): boolean;
  /** The operator did something: the idle time starts again. */
  touch(): void;
  /** The directory changed under the session: it ends, recorded in `audit` (the audit of the mode it was in). */
  end(reason: string, audit: AuditLog): Promise<void>;
}

/** A username fit for the audit (a password pasted into the username field must not land there). */
const loggableUsername = (u: string) => (/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/u.test(u) ? u : '(invalid username)');

export function createSession(deps: SessionDeps): Session {
  const { desk } = deps;
  const audit = desk.audit;
  let operator: OperatorInfo | null = null;
  let since: Date | null = null;
  let lastActive = 0;
  let locked = false;
  const idleLockMinutes = () => desk.settings().session?.idleLockMinutes ?? DEFAULT_IDLE_LOCK_MINUTES;

  function isLocked(): boolean {
    // Locked at once; its audit row follows (a row that cannot be written shows on the next action, which
    // needs the audit too: the lock itself never waits on the storage).
    if (operator && !locked && deps.clock.now().getTime() - lastActive >= idleLockMinutes() * 60_000) lock('idle').catch(() => undefined);
    return locked;
  }

  async function lock(reason: 'idle' | 'requested'): Promise<void> {
    if (!operator || locked) return;
    locked = true;
    await audit.append({ operator: operator.username, action: 'session.lock', outcome: 'ok', detail: { reason } });
  }

  function clear(): void {
    operator = null;
    since = null;
    locked = false;
  }

  function requireOperator(): OperatorInfo {
    if (!operator) throw new HelpdeskError('NOT_SIGNED_IN');
    return operator;
  }

  const view = async (): Promise<SessionInfo> => ({
    operator,
    since: since ? since.toISOString() : null,
    mode: desk.mode(),
    locked: operator !== null && isLocked(),
    idleLockMinutes: idleLockMinutes(),
    setupOpen: await deps.setupOpen(),
    rules: deps.rules,
  });

  const api: HelpdeskApi['session'] = {
    current: () => deps.run(view),
    signIn: ({ username, password }) =>
      deps.run(async () => {
        await deps.beforeSignIn?.();
        const dir = await desk.directory();
        // The session changes only once the sign-in is allowed and audited.
        let who: OperatorInfo;
        try {
          who = await dir.authenticate(username, password);
        } catch (err) {
          const code = errorCodeOf(err);
          await audit.append({ operator: null, action: 'session.signIn', outcome: code === 'INVALID_CREDENTIALS' ? 'refused' : 'error', target: loggableUsername(username), detail: { code } });
          throw err;
        }
        if (who.roles.length === 0) {
          // The password was right, but no role group counts this account: nothing to do here.
          await audit.append({ operator: null, action: 'session.signIn', outcome: 'refused', target: who.username, detail: { code: 'NO_ROLE' } });
          throw new HelpdeskError('NO_ROLE');
        }
        if (operator && operator.username !== who.username) {
          await audit.append({ operator: operator.username, action: 'session.signOut', outcome: 'ok', detail: { reason: 'another sign-in' } });
        }
        // The full name as the directory gives it: reports name operators as a letter does.
        await audit.append({ operator: who.username, action: 'session.signIn', outcome: 'ok', target: who.username, detail: { roles: who.roles.join(','), name: who.displayName } });
        operator = who;
        since = deps.clock.now();
        lastActive = since.getTime();
        locked = false;
        return view();
      }),
    signOut: () =>
      deps.run(async () => {
        if (operator) await audit.append({ operator: operator.username, action: 'session.signOut', outcome: 'ok' });
        clear();
        return view();
      }),
    lock: () =>
      deps.run(async () => {
        requireOperator();
        await lock('requested');
        return view();
      }),
    unlock: ({ password }) =>
      deps.run(async () => {
        const current = requireOperator();
        if (!isLocked()) return view();
        const dir = await desk.directory();
        let who: OperatorInfo;
        try {
          who = await dir.authenticate(current.username, password);
        } catch (err) {
          const code = errorCodeOf(err);
          await audit.append({ operator: current.username, action: 'session.unlock', outcome: code === 'INVALID_CREDENTIALS' ? 'refused' : 'error', detail: { code } });
          throw err;
        }
        // The roles are read again: someone taken out of every group while away is signed out.
        if (who.roles.length === 0) {
          await audit.append({ operator: current.username, action: 'session.unlock', outcome: 'refused', detail: { code: 'NO_ROLE' } });
          await audit.append({ operator: current.username, action: 'session.signOut', outcome: 'ok', detail: { reason: 'no role' } });
          clear();
          throw new HelpdeskError('NO_ROLE');
        }
        await audit.append({ operator: who.username, action: 'session.unlock', outcome: 'ok', detail: { roles: who.roles.join(',') } });
        operator = who;
        locked = false;
        lastActive = deps.clock.now().getTime();
        return view();
      }),
  };

  return {
    api,
    operator: () => operator,
    requireOperator,
    isLocked,
    touch: () => {
      lastActive = deps.clock.now().getTime();
    },
    async end(reason, log) {
      if (operator) await log.append({ operator: operator.username, action: 'session.signOut', outcome: 'ok', detail: { reason } });
      operator = null;
      since = null;
    },
  };
}
