import type { Result } from './result';
import type {
  AccountDetail,
  AppInfo,
  AuditEntry,
  ConnectionReport,
  QueryKind,
  SearchResult,
  SessionInfo,
  SettingsView,
} from './dto';
import type { Settings } from './settings';

type Call<I, O> = (input: I) => Promise<Result<O>>;
type Empty = Record<string, never>;

/**
 * The whole contract between the UI and the main process. Each method takes one input object and
 * resolves to a Result: errors cross as data. Electron IPC, the web harness and tests share it.
 */
export interface HelpdeskApi {
  app: {
    /** Name, version, training or directory mode, locale. */
    info: Call<Empty, AppInfo>;
  };
  session: {
    /** Who is signed in, if anyone. */
    current: Call<Empty, SessionInfo>;
    /** Signs the operator in with their own directory account. */
    signIn: Call<{ username: string; password: string }, SessionInfo>;
    /** Signs the operator out. */
    signOut: Call<Empty, SessionInfo>;
  };
  directory: {
    /** Finds accounts by username, e-mail, mobile, CCCD/CMND, tax code, BHXH code or name. */
    search: Call<{ query: string; kind?: QueryKind }, SearchResult>;
    /** Reads one account with its state and masked contacts. */
    getAccount: Call<{ id: string }, AccountDetail>;
  };
  settings: {
    /** The current settings (no secrets) and whether the service password is stored. */
    get: Call<Empty, SettingsView>;
    /** Validates and saves settings; a given service password goes to the OS keychain only. */
    save: Call<{ settings: Settings; servicePassword?: string }, SettingsView>;
    /** Tests a directory profile step by step: DNS, TCP, TLS, bind, base DN. */
    testConnection: Call<{ settings: Settings; servicePassword?: string }, ConnectionReport>;
  };
  audit: {
    /** The latest audit rows, newest first. */
    recent: Call<{ limit?: number }, AuditEntry[]>;
  };
}

export type ApiGroup = keyof HelpdeskApi;
export type ApiMethod<G extends ApiGroup> = keyof HelpdeskApi[G] & string;
export type ApiInput<G extends ApiGroup, M extends ApiMethod<G>> = HelpdeskApi[G][M] extends Call<infer I, unknown>
  ? I
  : never;
