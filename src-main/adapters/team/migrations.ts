import type pg from 'pg';
import { HelpdeskError } from '../../domain/errors';
import { GENESIS_HASH } from '../store/audit-chain';

/**
 * The team store's schema, versioned. Applied by the database's owner role (`npm run team:migrate`, or
 * the tests), never by a workstation: the app's own role may read and append, not create or alter. A
 * workstation checks the version when it connects and refuses a database it does not know (another
 * app's), an older schema (migrate first) or a newer one (update the app first).
 */
export const TEAM_SCHEMA_VERSION = 4;

/** What marks a database as Helpdesk's team store (helpdesk_meta.app). */
export const TEAM_APP_MARK = 'helpdesk-team-store';

/** Each step: SQL run in one transaction by the owner. `app` is the role workstations sign in as. */
const STEPS: readonly ((app: string) => string)[] = [
  // 1: counters, codes, the team's audit chain
  (app) => `
    CREATE TABLE helpdesk_meta (key text PRIMARY KEY, value text NOT NULL);
    INSERT INTO helpdesk_meta (key, value) VALUES ('app', '${TEAM_APP_MARK}');

    CREATE TABLE otp_sends (
      id bigserial PRIMARY KEY,
      account_key text NOT NULL,
      day text NOT NULL,
      at timestamptz NOT NULL,
      state text NOT NULL CHECK (state IN ('reserved', 'sent', 'released'))
    );
    CREATE INDEX otp_sends_account_day ON otp_sends (account_key, day);
    CREATE TABLE otp_codes (
      case_id text PRIMARY KEY,
      account_key text NOT NULL,
      channel text NOT NULL CHECK (channel IN ('sms', 'email')),
      code_hash text NOT NULL,
      sent_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      void_at timestamptz,
      wrong integer NOT NULL DEFAULT 0
    );
    CREATE TABLE otp_wrong (
      account_key text NOT NULL,
      day text NOT NULL,
      count integer NOT NULL,
      PRIMARY KEY (account_key, day)
    );

    CREATE TABLE audit (
      seq bigint PRIMARY KEY,
      at text NOT NULL,
      workstation text NOT NULL,
      operator text,
      action text NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('ok', 'error', 'refused')),
      target text,
      unit text,
      case_id text,
      detail text NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL
    );
    CREATE INDEX audit_at ON audit (at);
    CREATE INDEX audit_target ON audit (target, seq);
    CREATE INDEX audit_operator ON audit (operator, seq);
    CREATE INDEX audit_unit ON audit (unit, seq);
    CREATE INDEX audit_case ON audit (case_id, seq);
    CREATE INDEX audit_action_outcome ON audit (action, outcome, seq);
    -- The chain's head: one row, locked by every append (appends from every workstation in one order).
    CREATE TABLE audit_head (id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL);
    INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');

    -- Append-only for everyone, the owner included (a retention purge will be a function of its own).
    CREATE FUNCTION helpdesk_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit is append-only'; END $$;
    CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION helpdesk_audit_append_only();
    CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_audit_append_only();

    -- Least privilege for the workstations: no UPDATE or DELETE on the audit, nothing on the schema.
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
    GRANT USAGE ON SCHEMA public TO ${app};
    GRANT SELECT ON helpdesk_meta TO ${app};
    GRANT SELECT, INSERT, UPDATE ON otp_sends, otp_codes, otp_wrong TO ${app};
    GRANT USAGE ON SEQUENCE otp_sends_id_seq TO ${app};
    GRANT SELECT, INSERT ON audit TO ${app};
    GRANT SELECT, UPDATE ON audit_head TO ${app};
  `,
  // 2: joining a workstation — the team's keys sealed under a one-time join secret (the secret is never
  //    stored; the sealed keys are wiped when used), and a check value that tells whether a key is the team's
  (app) => `
    CREATE TABLE team_joins (
      id text PRIMARY KEY,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      created_by text NOT NULL,
      created_on text NOT NULL,
      salt bytea,
      sealed bytea,
      attempts integer NOT NULL DEFAULT 0,
      used_at timestamptz,
      used_on text
    );
    CREATE TABLE team_key_check (id integer PRIMARY KEY CHECK (id = 1), audit_key_check text NOT NULL, founded_on text NOT NULL, founded_at timestamptz NOT NULL DEFAULT now());
    GRANT SELECT, INSERT, UPDATE ON team_joins TO ${app};
    GRANT SELECT, INSERT ON team_key_check TO ${app};
  `,
  // 3: a joining workstation's own audit, brought along once as a segment: its rows chained again with the
  //    team's key (from a genesis of the segment's own), with what its local verification found
  (app) => `
    CREATE TABLE audit_segments (
      id bigserial PRIMARY KEY,
      workstation text NOT NULL,
      imported_by text NOT NULL,
      imported_at timestamptz NOT NULL DEFAULT now(),
      rows integer NOT NULL,
      first_seq bigint,
      head_hash text NOT NULL,
      local_head_seq bigint,
      local_head_hash text,
      local_verified boolean NOT NULL,
      local_problems integer NOT NULL
    );
    CREATE TABLE audit_imported (
      segment_id bigint NOT NULL REFERENCES audit_segments (id) DEFERRABLE INITIALLY DEFERRED,
      seq bigint NOT NULL,
      at text NOT NULL,
      operator text,
      action text NOT NULL,
      outcome text NOT NULL,
      target text,
      unit text,
      case_id text,
      detail text NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL,
      PRIMARY KEY (segment_id, seq)
    );
    CREATE TRIGGER audit_segments_no_change BEFORE UPDATE OR DELETE ON audit_segments FOR EACH ROW EXECUTE FUNCTION helpdesk_audit_append_only();
    CREATE TRIGGER audit_imported_no_change BEFORE UPDATE OR DELETE ON audit_imported FOR EACH ROW EXECUTE FUNCTION helpdesk_audit_append_only();
    GRANT SELECT, INSERT ON audit_segments, audit_imported TO ${app};
    GRANT USAGE ON SEQUENCE audit_segments_id_seq TO ${app};
  `,
  // 4: the team's cases (continued on another workstation, handed to a supervisor, taken over) — the case
  //    itself sealed with the team's key (contacts and notes are not readable in the database), what the
  //    queues and presence need in plain columns; and the directory and relay profile a supervisor
  //    publishes for the team (no secret in it)
  (app) => `
    CREATE TABLE cases (
      id text PRIMARY KEY,
      account_key text NOT NULL,
      holder text NOT NULL,
      holder_since timestamptz NOT NULL,
      workstation text NOT NULL,
      opened_at timestamptz NOT NULL,
      touched_at timestamptz NOT NULL,
      closed boolean NOT NULL,
      waiting text CHECK (waiting IN ('supervisor', 'approval')),
      version integer NOT NULL,
      busy_until timestamptz,
      busy_token text,
      body bytea NOT NULL
    );
    CREATE INDEX cases_account_open ON cases (account_key) WHERE NOT closed;
    CREATE INDEX cases_holder_open ON cases (holder) WHERE NOT closed;
    CREATE INDEX cases_waiting ON cases (waiting) WHERE waiting IS NOT NULL AND NOT closed;
    CREATE TABLE team_profile (
      id integer PRIMARY KEY CHECK (id = 1),
      version integer NOT NULL,
      body text NOT NULL,
      published_by text NOT NULL,
      published_on text NOT NULL,
      published_at timestamptz NOT NULL DEFAULT now()
    );
    GRANT SELECT, INSERT, UPDATE ON cases, team_profile TO ${app};
  `,
];

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/u;

/**
 * Brings the schema up to TEAM_SCHEMA_VERSION, one transaction per step, as the owner. A database that
 * holds tables but no Helpdesk mark is another app's: refused, nothing touched.
 */
export async function migrateTeamStore(owner: pg.ClientBase, appRole: string): Promise<number> {
  if (!ROLE_NAME.test(appRole)) throw new HelpdeskError('VALIDATION_FAILED', { field: 'appRole', reason: 'invalid_format' });
  let version = await schemaVersion(owner);
  if (version === null) {
    const others = await owner.query<{ n: string }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'");
    if (Number(others.rows[0]!.n) > 0) throw new HelpdeskError('TEAM_STORE_SCHEMA', { reason: 'foreign' });
    version = 0;
  }
  if (version > TEAM_SCHEMA_VERSION) throw new HelpdeskError('TEAM_STORE_SCHEMA', { reason: 'newer', detail: String(version) });
  for (let v = version + 1; v <= TEAM_SCHEMA_VERSION; v++) {
    await owner.query('BEGIN');
    try {
      await owner.query(STEPS[v - 1]!(appRole));
      await owner.query(
        "INSERT INTO helpdesk_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [String(v)],
      );
      await owner.query('COMMIT');
    } catch (err) {
      await owner.query('ROLLBACK');
      throw err;
    }
  }
  return TEAM_SCHEMA_VERSION;
}

/** The schema version a database holds: null when it is not a Helpdesk team store at all. */
export async function schemaVersion(client: pg.ClientBase): Promise<number | null> {
  const table = await client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'helpdesk_meta'");
  if (table.rowCount === 0) return null;
  const meta = await client.query<{ key: string; value: string }>("SELECT key, value FROM helpdesk_meta WHERE key IN ('app', 'schema_version')");
  const get = (k: string) => meta.rows.find((r) => r.key === k)?.value;
  if (get('app') !== TEAM_APP_MARK) return null;
  return Number(get('schema_version') ?? 0);
}

/**
 * What a workstation checks on connecting: a Helpdesk team store of exactly its schema version.
 * TEAM_STORE_SCHEMA with reason `foreign` (another app's database), `older` (migrate it) or `newer`
 * (update this workstation).
 */
export async function checkTeamSchema(client: pg.ClientBase): Promise<void> {
  const v = await schemaVersion(client);
  if (v === null) throw new HelpdeskError('TEAM_STORE_SCHEMA', { reason: 'foreign' });
  if (v > TEAM_SCHEMA_VERSION) throw new HelpdeskError('TEAM_STORE_SCHEMA', { reason: 'newer', detail: String(v) });
  if (v < TEAM_SCHEMA_VERSION) throw new HelpdeskError('TEAM_STORE_SCHEMA', { reason: 'older', detail: String(v) });
}
