import type pg from 'pg';
import { HelpdeskError } from '../../domain/errors';
import { GENESIS_HASH } from '../store/audit-chain';

/**
 * The team store's schema, versioned. Applied by the database's owner role (`npm run team:migrate`, or
 * the tests), never by a workstation: the app's own role may read and append, not create or alter. A
 * workstation checks the version when it connects and refuses a database it does not know (another
 * app's), an older schema (migrate first) or a newer one (update the app first).
 */
export const TEAM_SCHEMA_VERSION = 9;

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
      published_at timestamptz NOT NULL DEFAULT now(),
      -- HMAC (the team's key, never in the store) of the version, who, where and the body: a row changed
      -- in the database is not taken by any workstation
      mac text NOT NULL
    );
    GRANT SELECT, INSERT, UPDATE ON cases, team_profile TO ${app};
  `,
  // 5: retention on the team store. Rows leave `audit` one way only: helpdesk_audit_purge, a function of
  //    the owner's (SECURITY DEFINER) that workstations may call — they still hold no DELETE on the table.
  //    It removes one contiguous range from the chain's first row, never the newest row, only once the
  //    newest row is the checkpoint that records that very range (the workstation chains it with the
  //    team's key, which PostgreSQL never sees), and never a row written within the floor the owner keeps
  //    in helpdesk_meta (audit_retention_floor_days, 180 by default: the app's shortest retention is 6
  //    months, MIN_RETENTION_MONTHS, always more than 180 days, so the floor never refuses what the app
  //    asks; an owner who wants a longer minimum raises it). The trigger lets a DELETE through only inside
  //    that function: a transaction-local mark it sets, and the table's owner as the current user — a
  //    workstation can set the mark, never become the owner. UPDATE and TRUNCATE stay refused for
  //    everyone; the segments (audit_segments, audit_imported) are not purged.
  (app) => `
    INSERT INTO helpdesk_meta (key, value) VALUES ('audit_retention_floor_days', '180') ON CONFLICT (key) DO NOTHING;

    -- The newest instant a purge may reach: now, less the owner's floor (days).
    CREATE FUNCTION helpdesk_audit_purge_floor() RETURNS timestamptz LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
      SELECT now() - make_interval(days => GREATEST(COALESCE((SELECT value::integer FROM helpdesk_meta WHERE key = 'audit_retention_floor_days'), 180), 0))
    $$;

    CREATE FUNCTION helpdesk_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND pg_catalog.current_setting('helpdesk.audit_purge', true) = 'on'
           AND current_user = (SELECT pg_catalog.pg_get_userbyid(relowner) FROM pg_catalog.pg_class WHERE oid = TG_RELID) THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit is append-only';
      END $$;
    DROP TRIGGER audit_no_change ON audit;
    CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION helpdesk_audit_guard();

    -- Removes rows first..through (first: the chain's first row); returns how many went. Refused (SQLSTATE
    -- HD001) unless the newest row is this purge's checkpoint, (HD002) if a row in the range is newer than the floor.
    CREATE FUNCTION helpdesk_audit_purge(through bigint) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        first_seq bigint;
        last_seq bigint;
        newest audit%ROWTYPE;
        mark jsonb;
        floor_at timestamptz := helpdesk_audit_purge_floor();
        removed bigint;
      BEGIN
        PERFORM 1 FROM audit_head WHERE id = 1 FOR UPDATE;
        SELECT min(seq), max(seq) INTO first_seq, last_seq FROM audit;
        IF through IS NULL OR first_seq IS NULL OR through < first_seq OR through >= last_seq THEN
          RAISE EXCEPTION 'helpdesk_audit_purge: % is not an old row of the chain', through USING ERRCODE = 'HD001';
        END IF;
        SELECT * INTO newest FROM audit WHERE seq = last_seq;
        IF newest.action = 'audit.checkpoint' THEN mark := newest.detail::jsonb; END IF;
        IF mark IS NULL
           OR mark->>'purgedFrom' IS DISTINCT FROM first_seq::text
           OR mark->>'through' IS DISTINCT FROM through::text
           OR mark->>'rows' IS DISTINCT FROM (through - first_seq + 1)::text
           OR mark->>'throughHash' IS DISTINCT FROM (SELECT hash FROM audit WHERE seq = through) THEN
          RAISE EXCEPTION 'helpdesk_audit_purge: the newest row is not the checkpoint of rows % to %', first_seq, through USING ERRCODE = 'HD001';
        END IF;
        IF EXISTS (SELECT 1 FROM audit WHERE seq BETWEEN first_seq AND through AND at::timestamptz >= floor_at) THEN
          RAISE EXCEPTION 'helpdesk_audit_purge: rows up to % include rows written after %', through, floor_at USING ERRCODE = 'HD002';
        END IF;
        PERFORM pg_catalog.set_config('helpdesk.audit_purge', 'on', true);
        DELETE FROM audit WHERE seq BETWEEN first_seq AND through;
        GET DIAGNOSTICS removed = ROW_COUNT;
        PERFORM pg_catalog.set_config('helpdesk.audit_purge', '', true);
        IF removed <> through - first_seq + 1 THEN
          RAISE EXCEPTION 'helpdesk_audit_purge: % rows removed, % recorded', removed, through - first_seq + 1 USING ERRCODE = 'HD001';
        END IF;
        RETURN removed;
      END $$;
    REVOKE ALL ON FUNCTION helpdesk_audit_purge(bigint), helpdesk_audit_purge_floor() FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION helpdesk_audit_purge(bigint), helpdesk_audit_purge_floor() TO ${app};
  `,
  // 6: sends counted per channel for the spacing (the daily cap counts both); a send recorded before has
  // no channel and counts as the last send of both
  () => `ALTER TABLE otp_sends ADD COLUMN channel text CHECK (channel IN ('sms', 'email'));`,
  // 7: the team's search index (issue #15): one per directory profile — each account's DN, permanent id,
  // display name, unit and identifiers (only as keyed hashes) — written by one workstation at a time.
  // Every write numbers its rows from a sequence while holding the profile's row (numbers in commit
  // order); a removal leaves a tombstone: workstations replicate the changes after their mark. A cache
  // the directory can give again: the app may write and delete it.
  (app) => `
    CREATE SEQUENCE search_seq;
    CREATE TABLE search_index (
      profile text PRIMARY KEY,
      epoch text NOT NULL DEFAULT md5(random()::text || clock_timestamp()::text),
      built_at timestamptz,
      refreshed_at timestamptz,
      swept_at timestamptz,
      mark text,
      partial boolean NOT NULL DEFAULT false,
      accounts integer NOT NULL DEFAULT 0
    );
    CREATE TABLE search_accounts (
      profile text NOT NULL REFERENCES search_index (profile) ON DELETE CASCADE,
      key text NOT NULL,
      dn text NOT NULL,
      stable_id text,
      display_name text NOT NULL,
      unit text,
      vals text[] NOT NULL,
      sig text NOT NULL,
      seq bigint NOT NULL,
      PRIMARY KEY (profile, key)
    );
    CREATE INDEX search_accounts_seq ON search_accounts (profile, seq);
    CREATE TABLE search_removed (
      profile text NOT NULL REFERENCES search_index (profile) ON DELETE CASCADE,
      key text NOT NULL,
      seq bigint NOT NULL,
      PRIMARY KEY (profile, key)
    );
    CREATE INDEX search_removed_seq ON search_removed (profile, seq);
    GRANT SELECT, INSERT, UPDATE, DELETE ON search_index, search_accounts, search_removed TO ${app};
    GRANT USAGE ON SEQUENCE search_seq TO ${app};
  `,
  // 8: appends batched across the team (issue #13: 20 workstations appending at once), and one round trip
  //    for a workstation alone on the chain (helpdesk_audit_append). A row that cannot go in at once is
  //    queued in audit_queue — the content with a nonce, and an HMAC of both under the team's key, which
  //    PostgreSQL never sees — and waits for the chain's turn. The holder of the turn chains every queued
  //    row whose HMAC is the team's, in queue order, in one commit; each keeps its own workstation, time and
  //    nonce (audit.nonce, unique: a queued row is chained once). A turn whose row an earlier turn chained
  //    is handed on inside the server, without a round trip. A queued row whose HMAC is wrong (put there
  //    without the key) is never chained and stays in the queue for whoever looks. The workstations may
  //    delete queued rows (the holder removes those it chained), still never audit rows.
  (app) => `
    CREATE TABLE audit_queue (
      id bigserial PRIMARY KEY,
      nonce text NOT NULL,
      at text NOT NULL,
      workstation text NOT NULL,
      operator text,
      action text NOT NULL,
      outcome text NOT NULL,
      target text,
      unit text,
      case_id text,
      detail text NOT NULL,
      mac text NOT NULL
    );
    CREATE INDEX audit_queue_nonce ON audit_queue (nonce);
    -- Rows come and go all day: vacuumed as soon as a thousand are gone.
    ALTER TABLE audit_queue SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
    -- How far the queue was chained: a turn reads the queue past it (rows removed stay in the table's
    -- pages and indexes a while, and are never walked through again).
    ALTER TABLE audit_head ADD COLUMN queue_done bigint NOT NULL DEFAULT 0;
    ALTER TABLE audit ADD COLUMN nonce text;
    CREATE UNIQUE INDEX audit_nonce ON audit (nonce);

    -- One append (CALL, outside a transaction block: it commits on its way; no SET clause, hence the
    -- qualified names). The row comes chained by the caller after the head it expects (expect_seq,
    -- expect_hash → row_hash; none for a workstation that knows no head yet), and shaped as a queued row
    -- (nonce, content, mac). Then, the chain's lock free:
    --  · the head the one expected → the row written and committed (flushed: synchronous_commit as the
    --    server has it, on by default): {"seq": n} (one round trip);
    --  · another head → the lock kept for the caller (as a turn, below), the row not queued: {"head",
    --    "queue", "chained", "queued": false}.
    -- The lock busy: the row is queued (committed, not flushed: the turn that chains it flushes it) and
    -- its turn awaited — the chain's lock, first come first served. The row already chained by an
    -- earlier turn → the lock handed on at once, {"seq": n}; neither chained nor queued → the lock handed
    -- on, NULL; else {"head", "queue", "chained", "queued": true}.
    -- A turn kept is the chain's lock at session level, released by the caller once its rows are
    -- committed, or with its session (idle_session_timeout meanwhile: a holder that stops answering
    -- loses it); "head" is {"seq", "hash"}, "queue" the queued rows not chained yet past the head's
    -- queue_done (oldest first, at most 200, and always the caller's), "chained" the ids of queued copies of
    -- rows already chained.
    CREATE PROCEDURE helpdesk_audit_append(
        expect_seq bigint, expect_hash text, row_hash text,
        q_nonce text, q_at text, q_workstation text, q_operator text, q_action text, q_outcome text,
        q_target text, q_unit text, q_case_id text, q_detail text, q_mac text,
        idle_ms integer, INOUT result text DEFAULT NULL)
      LANGUAGE plpgsql AS $$
      DECLARE
        chain constant bigint := pg_catalog.hashtextextended('helpdesk audit chain', 0);
        head_seq bigint;
        head_hash text;
        chained bigint;
        queued boolean := false;
      BEGIN
        IF pg_catalog.pg_try_advisory_xact_lock(chain) THEN
          SELECT h.seq, h.hash INTO head_seq, head_hash FROM public.audit_head h WHERE h.id = 1;
          IF head_seq = expect_seq AND head_hash = expect_hash THEN
            INSERT INTO public.audit (seq, at, workstation, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash, nonce)
              VALUES (expect_seq + 1, q_at, q_workstation, q_operator, q_action, q_outcome, q_target, q_unit, q_case_id, q_detail, expect_hash, row_hash, q_nonce);
            UPDATE public.audit_head SET seq = expect_seq + 1, hash = row_hash WHERE id = 1;
            COMMIT;
            result := pg_catalog.json_build_object('seq', expect_seq + 1)::text;
            RETURN;
          END IF;
          -- Kept past this transaction, at session level (the transaction's own hold ends with it).
          PERFORM pg_catalog.pg_advisory_lock(chain);
          COMMIT;
        ELSE
          INSERT INTO public.audit_queue (nonce, at, workstation, operator, action, outcome, target, unit, case_id, detail, mac)
            VALUES (q_nonce, q_at, q_workstation, q_operator, q_action, q_outcome, q_target, q_unit, q_case_id, q_detail, q_mac);
          PERFORM pg_catalog.set_config('synchronous_commit', 'off', true);
          COMMIT;
          queued := true;
          PERFORM pg_catalog.pg_advisory_lock(chain);
          SELECT a.seq INTO chained FROM public.audit a WHERE a.nonce = q_nonce;
          IF FOUND THEN
            PERFORM pg_catalog.pg_advisory_unlock(chain);
            result := pg_catalog.json_build_object('seq', chained)::text;
            RETURN;
          END IF;
          IF NOT EXISTS (SELECT 1 FROM public.audit_queue q WHERE q.nonce = q_nonce) THEN
            PERFORM pg_catalog.pg_advisory_unlock(chain);
            result := NULL;
            RETURN;
          END IF;
        END IF;
        PERFORM pg_catalog.set_config('idle_session_timeout', idle_ms::text, false);
        -- Each queued row looked up in the chain by its nonce, one index probe each (never a scan of the chain).
        WITH waiting AS (
          SELECT r.id, r.nonce, r.at, r.workstation, r.operator, r.action, r.outcome, r.target, r.unit, r.case_id, r.detail, r.mac, d.seq IS NOT NULL AS done
          FROM (
            (SELECT * FROM public.audit_queue f WHERE f.id > (SELECT h.queue_done FROM public.audit_head h WHERE h.id = 1) ORDER BY f.id LIMIT 200)
            UNION ALL
            (SELECT * FROM public.audit_queue f WHERE f.nonce = q_nonce)
          ) r
          LEFT JOIN LATERAL (SELECT a.seq FROM public.audit a WHERE a.nonce = r.nonce LIMIT 1) d ON true
        )
        SELECT pg_catalog.json_build_object(
                 'head', (SELECT pg_catalog.json_build_object('seq', h.seq, 'hash', h.hash) FROM public.audit_head h WHERE h.id = 1),
                 'queue', (SELECT pg_catalog.json_agg(pg_catalog.json_build_object('id', w.id, 'nonce', w.nonce, 'at', w.at, 'workstation', w.workstation,
                             'operator', w.operator, 'action', w.action, 'outcome', w.outcome, 'target', w.target, 'unit', w.unit, 'case_id', w.case_id,
                             'detail', w.detail, 'mac', w.mac) ORDER BY w.id) FROM waiting w WHERE NOT w.done),
                 'chained', (SELECT pg_catalog.json_agg(w.id) FROM waiting w WHERE w.done),
                 'queued', queued)::text
          INTO result;
      END $$;
    REVOKE ALL ON PROCEDURE helpdesk_audit_append(bigint, text, text, text, text, text, text, text, text, text, text, text, text, text, integer, text) FROM PUBLIC;
    GRANT EXECUTE ON PROCEDURE helpdesk_audit_append(bigint, text, text, text, text, text, text, text, text, text, text, text, text, text, integer, text) TO ${app};
    GRANT SELECT, INSERT, DELETE ON audit_queue TO ${app};
    GRANT USAGE ON SEQUENCE audit_queue_id_seq TO ${app};
  `,
  // 9: a row appended inside the caller's own transaction (helpdesk_audit_put), so that it commits with
  //    the writes it records — a case as the action leaves it: both or neither, one commit, one flush.
  //    Only while the chain's lock is free and the head is the one the row was chained after (as for
  //    helpdesk_audit_append's first path); otherwise it raises SQLSTATE HD001 and the transaction is
  //    rolled back, nothing written — with the head as it is now in the error's detail ("seq hash") when
  //    only the head had moved (another workstation's row), for the caller to chain its row again.
  //    helpdesk_expect raises HD002 when its argument is not true (a case's lease no longer the action's).
  (app) => `
    CREATE FUNCTION helpdesk_audit_put(
        expect_seq bigint, expect_hash text, row_hash text,
        q_nonce text, q_at text, q_workstation text, q_operator text, q_action text, q_outcome text,
        q_target text, q_unit text, q_case_id text, q_detail text)
      RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE
        head_seq bigint;
        head_hash text;
      BEGIN
        IF NOT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtextextended('helpdesk audit chain', 0)) THEN
          RAISE EXCEPTION 'audit chain busy' USING ERRCODE = 'HD001';
        END IF;
        UPDATE public.audit_head SET seq = expect_seq + 1, hash = row_hash WHERE id = 1 AND seq = expect_seq AND hash = expect_hash;
        IF NOT FOUND THEN
          SELECT h.seq, h.hash INTO head_seq, head_hash FROM public.audit_head h WHERE h.id = 1;
          RAISE EXCEPTION 'audit head moved' USING ERRCODE = 'HD001', DETAIL = head_seq::text || ' ' || head_hash;
        END IF;
        INSERT INTO public.audit (seq, at, workstation, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash, nonce)
          VALUES (expect_seq + 1, q_at, q_workstation, q_operator, q_action, q_outcome, q_target, q_unit, q_case_id, q_detail, expect_hash, row_hash, q_nonce);
        RETURN expect_seq + 1;
      END $$;
    CREATE FUNCTION helpdesk_expect(ok boolean) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF ok IS NOT TRUE THEN
          RAISE EXCEPTION 'expectation not met' USING ERRCODE = 'HD002';
        END IF;
      END $$;
    REVOKE ALL ON FUNCTION helpdesk_audit_put(bigint, text, text, text, text, text, text, text, text, text, text, text, text) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION helpdesk_audit_put(bigint, text, text, text, text, text, text, text, text, text, text, text, text) TO ${app};
    REVOKE ALL ON FUNCTION helpdesk_expect(boolean) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION helpdesk_expect(boolean) TO ${app};
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
