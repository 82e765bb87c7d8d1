/**
 * Herald's schema on PostgreSQL, applied with `@effect/sql`'s `Migrator` from a
 * record of migrations compiled into the package (no file loading, so it runs
 * from `dist` as from `src`). Migrations only add (tables, columns, indexes):
 * never destructive, so a process of the previous version keeps working on a
 * schema one step ahead while a deploy rolls.
 *
 * Many processes may start at once: `run` takes a transaction-scoped advisory
 * lock first, so one applies what is missing while the others wait, then find
 * nothing left to do. The lock also covers the creation of the migrations table,
 * which the `Migrator` alone does not make safe against a concurrent start.
 */
import { Migrator, SqlClient, type SqlError } from "@effect/sql"
import { Clock, Data, Duration, Effect, Layer, Schedule } from "effect"

/** The table where applied migrations are recorded. */
export const TABLE = "herald_migrations"

/** The advisory lock key held while migrating: any fixed number no other lock of the database uses. */
export const LOCK_KEY = 7_347_272_016

/**
 * Webhooks, and the fan-out index: one row per event type of each enabled
 * webhook, keyed so a fan-out page is one range scan of the primary key that
 * reads no record (`ordered` rides along in the index). Keys are `COLLATE "C"`:
 * ids are ULIDs, whose byte order is creation order.
 */
const webhooks = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE herald_webhooks (
    teamspace text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    enabled boolean NOT NULL,
    ordered boolean NOT NULL,
    record text NOT NULL,
    PRIMARY KEY (teamspace, id)
  )`
  yield* sql`COMMENT ON COLUMN herald_webhooks.record IS
    'The Schema-encoded webhook as JSON text (signing secrets encrypted when a key is set); cast to jsonb to query it'`
  yield* sql`CREATE TABLE herald_webhook_subscriptions (
    teamspace text COLLATE "C" NOT NULL,
    event_type text COLLATE "C" NOT NULL,
    webhook_id text COLLATE "C" NOT NULL,
    ordered boolean NOT NULL,
    PRIMARY KEY (teamspace, event_type, webhook_id) INCLUDE (ordered),
    FOREIGN KEY (teamspace, webhook_id) REFERENCES herald_webhooks (teamspace, id) ON DELETE CASCADE
  )`
  // What a webhook's update or removal deletes by. The id leads: led by the teamspace, the planner
  // could take it for a fan-out page's ordered scan, filtering event types, over the primary key.
  yield* sql`CREATE INDEX herald_webhook_subscriptions_webhook ON herald_webhook_subscriptions (webhook_id, teamspace)`
})

/** API keys by hash (authentication), by id (administration) and by teamspace, oldest first (listing). */
const apiKeys = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE herald_api_keys (
    hash text COLLATE "C" PRIMARY KEY,
    id text COLLATE "C" NOT NULL,
    teamspace text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    record text NOT NULL
  )`
  yield* sql`CREATE INDEX herald_api_keys_id ON herald_api_keys (id)`
  yield* sql`CREATE INDEX herald_api_keys_teamspace ON herald_api_keys (teamspace, created_at, id)`
})

/**
 * Events, their keys and the fan-outs not yet completed. `herald_events` is partitioned by day of
 * `created_at` (`Partitions` makes the partitions); its primary key must hold the partition key, so
 * `herald_event_keys`, unpartitioned, is what keeps `(teamspace, id)` unique and where a lookup by id
 * finds the partition. `data` is text: the payload byte for byte as published (jsonb would reorder
 * keys). A `herald_fanouts` row marks an event whose fan-out is unfinished (`markDispatched`
 * removes it); `after` and `handed_off` are for the delivery ledger (docs/postgres.md, section 4).
 */
const events = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE herald_events (
    teamspace text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    type text COLLATE "C" NOT NULL,
    data text NOT NULL,
    PRIMARY KEY (teamspace, id, created_at)
  ) PARTITION BY RANGE (created_at)`
  yield* sql`COMMENT ON COLUMN herald_events.data IS
    'The event''s data as published, byte for byte (JSON text); cast to jsonb to query it'`
  yield* sql`CREATE INDEX herald_events_list ON herald_events (teamspace, created_at DESC, id DESC)`
  yield* sql`CREATE INDEX herald_events_list_type ON herald_events (teamspace, type, created_at DESC, id DESC)`
  yield* sql`CREATE TABLE herald_event_keys (
    teamspace text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (teamspace, id)
  )`
  yield* sql`CREATE INDEX herald_event_keys_created_at ON herald_event_keys (created_at)`
  yield* sql`CREATE TABLE herald_fanouts (
    teamspace text COLLATE "C" NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    after text COLLATE "C",
    handed_off boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (teamspace, event_id)
  )`
  yield* sql`CREATE INDEX herald_fanouts_updated_at ON herald_fanouts (updated_at)`
})

/**
 * Delivery attempts and webhooks' failure streaks. `herald_attempts` is partitioned by day of
 * `attempted_at` (`Partitions`); its primary key leads with the webhook (its attempts newest first,
 * the API's listing), another index serves an event's attempts and a partial one a webhook's failed
 * ones. An attempt id is `att_` + the ULID of `attempted_at`, so `(attempted_at, id)` order is id
 * order and a cursor id becomes a bound on the partition key. What comes from the receiver is kept
 * exactly: the headers as JSON text (jsonb would reorder them), the body as its UTF-8 bytes (text
 * refuses the NUL a binary body holds). `herald_webhook_health` holds a row per failing webhook,
 * updated at each failure and deleted by a success: it churns, so autovacuum visits it early, and
 * free room on its pages lets a failure's update stay on the row's page (a HOT update).
 */
const attempts = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE herald_attempts (
    teamspace text COLLATE "C" NOT NULL,
    webhook_id text COLLATE "C" NOT NULL,
    attempted_at timestamptz NOT NULL,
    id text COLLATE "C" NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    event_type text COLLATE "C" NOT NULL,
    attempt integer NOT NULL,
    url text NOT NULL,
    duration_ms double precision NOT NULL,
    successful boolean NOT NULL,
    response_status integer,
    response_headers text NOT NULL,
    response_body bytea NOT NULL,
    failure text COLLATE "C",
    failure_message text,
    next_attempt_at timestamptz,
    PRIMARY KEY (teamspace, webhook_id, attempted_at, id)
  ) PARTITION BY RANGE (attempted_at)`
  yield* sql`COMMENT ON COLUMN herald_attempts.response_headers IS
    'The response headers as a JSON object, in the order received; cast to jsonb to query them'`
  yield* sql`COMMENT ON COLUMN herald_attempts.response_body IS
    'The first bytes of the response body, UTF-8; convert_from(response_body, ''UTF8'') reads it unless it holds a NUL'`
  yield* sql`CREATE INDEX herald_attempts_event ON herald_attempts (teamspace, event_id, attempted_at, id)`
  yield* sql`CREATE INDEX herald_attempts_failed ON herald_attempts (teamspace, webhook_id, attempted_at, id)
    WHERE NOT successful`
  yield* sql`CREATE TABLE herald_webhook_health (
    teamspace text COLLATE "C" NOT NULL,
    webhook_id text COLLATE "C" NOT NULL,
    failing_since timestamptz NOT NULL,
    failures integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    PRIMARY KEY (teamspace, webhook_id)
  ) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01)`
  yield* sql`COMMENT ON COLUMN herald_webhook_health.last_failure_at IS
    'When the last failure was counted (the store''s clock): a streak idle for longer than the retention has expired'`
})

/**
 * The storage parameters of a work table: rows come and go like a queue's, so dead tuples pile up
 * fast against a small live set. The default scale factor (20 % of the table dead before a vacuum)
 * would let such a table bloat many times over; 1 % and a shorter cost delay keep it near its live
 * size (docs/postgres.md, section 6).
 */
const WORK_TABLE = "autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_cost_delay = 1"

/**
 * The waiting events of each ordered webhook (`PostgresSequenceStore`), in `seq` order: an identity,
 * so it only grows, and an entry entered later sorts after every entry already there. The head is
 * the lowest `seq` of a webhook; `head_since` is set in the transaction that makes an entry the head,
 * and only on the head, so the partial index holds one row per webhook with something waiting: the
 * reconciler's read of heads whose job may be lost (`PostgresDeliveryLedger.waitingHeads`). Keyed
 * by webhook id first, as the owed deliveries are: a webhook id (a ULID) implies its teamspace
 * (`DeliveryJob.key`).
 */
const sequences = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE herald_sequence_entries (
    webhook_id text COLLATE "C" NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    teamspace text COLLATE "C" NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    head_since timestamptz,
    PRIMARY KEY (webhook_id, seq),
    UNIQUE (webhook_id, event_id)
  ) WITH (${sql.literal(WORK_TABLE)})`
  // The heads in webhook id order, their mark in the index: the reconciler's read filters on the
  // mark and stops at its limit, without a sort.
  yield* sql`CREATE INDEX herald_sequence_entries_heads ON herald_sequence_entries (webhook_id, head_since)
    WHERE head_since IS NOT NULL`
})

/**
 * What is owed (`PostgresDeliveryLedger`): a row per delivery not yet settled, keyed as
 * `DeliveryJob.key`, with the event's `created_at` (the day of its partition); the reconciler reads
 * the rows with a due time in `(due_at, webhook_id, event_id)` order, a keyset page at a time.
 * `herald_state` holds named values, the queue epoch first. The fan-out cursor is `herald_fanouts`
 * (`3_events`), a work table too: it gets the same vacuum settings.
 */
const ledger = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE herald_owed_deliveries (
    webhook_id text COLLATE "C" NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    teamspace text COLLATE "C" NOT NULL,
    event_created_at timestamptz NOT NULL,
    attempt smallint NOT NULL DEFAULT 1,
    due_at timestamptz,
    redelivered_at timestamptz,
    requeues smallint NOT NULL DEFAULT 0,
    PRIMARY KEY (webhook_id, event_id)
  ) WITH (${sql.literal(WORK_TABLE)})`
  yield* sql`COMMENT ON COLUMN herald_owed_deliveries.due_at IS
    'When the job of this attempt is due; NULL while an ordered webhook''s delivery waits behind its head'`
  yield* sql`CREATE INDEX herald_owed_deliveries_due ON herald_owed_deliveries (due_at, webhook_id, event_id)
    WHERE due_at IS NOT NULL`
  yield* sql`ALTER TABLE herald_fanouts SET (${sql.literal(WORK_TABLE)})`
  yield* sql`CREATE TABLE herald_state (
    name text COLLATE "C" PRIMARY KEY,
    value text NOT NULL
  )`
})

/**
 * The event types teamspaces defined themselves (`PostgresEventTypeStore`), over the configured
 * lists: a row per teamspace, profile and name, the Schema-encoded definition as JSON text (its
 * schema and example byte for byte). A teamspace's are read whole, in primary key order.
 */
const eventTypes = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE herald_event_types (
    teamspace text COLLATE "C" NOT NULL,
    profile text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    record text NOT NULL,
    PRIMARY KEY (teamspace, profile, name)
  )`
  yield* sql`COMMENT ON COLUMN herald_event_types.record IS
    'The Schema-encoded event type definition as JSON text; cast to jsonb to query it'`
})

/**
 * Portal sessions' tokens end (`ApiKeyStoreShape`): `expires_at` is a session's `expiresAt` (epoch
 * ms), NULL for an API key. Lookups leave out a session whose time has come, `list` every session
 * (`expires_at IS NULL`), and the partitions' keeper deletes the expired ones (`Partitions`), found
 * by the partial index. The sessions stored before it get theirs from their records.
 */
const apiKeySessions = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE herald_api_keys ADD COLUMN expires_at bigint`
  yield* sql`COMMENT ON COLUMN herald_api_keys.expires_at IS
    'When a portal session''s token expires (epoch ms); NULL for an API key'`
  // Only a session's record is cast (an API key's label may hold a \u0000, which jsonb refuses).
  yield* sql`UPDATE herald_api_keys SET expires_at = (record::jsonb #>> '{session,expiresAt}')::bigint
    WHERE strpos(record, '"session":{') > 0`
  yield* sql`CREATE INDEX herald_api_keys_expires_at ON herald_api_keys (expires_at) WHERE expires_at IS NOT NULL`
})

/** Every migration, by `{id}_{name}`; ids only grow, and an applied migration is never edited. */
export const migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>> = {
  "1_webhooks": webhooks,
  "2_api_keys": apiKeys,
  "3_events": events,
  "4_attempts": attempts,
  "5_sequences": sequences,
  "6_ledger": ledger,
  "7_event_types": eventTypes,
  "8_api_key_sessions": apiKeySessions
}

/**
 * Applies the migrations this database lacks, under the advisory lock; returns those it applied
 * (`[id, name]`), none when another process got there first. Safe to run at every start.
 */
export const run: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  Migrator.MigrationError | SqlError.SqlError,
  SqlClient.SqlClient
> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return yield* sql.withTransaction(Effect.gen(function*() {
    // Held until this transaction ends; every statement below runs on its connection.
    yield* sql`SELECT pg_advisory_xact_lock(${LOCK_KEY}::bigint)`
    // The Migrator's own "create if missing" would abort this transaction on its failed probe
    // (and race without the lock): the table is made here first, with the Migrator's columns.
    yield* sql`CREATE TABLE IF NOT EXISTS ${sql(TABLE)} (
      migration_id integer primary key,
      created_at timestamp with time zone not null default now(),
      name text not null
    )`
    return yield* Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: TABLE })
  }))
})

/** Runs `run` when built: put it before the stores in a process that owns the schema. */
export const layer: Layer.Layer<never, Migrator.MigrationError | SqlError.SqlError, SqlClient.SqlClient> = Layer
  .effectDiscard(run)

/** The migrations (`{id}_{name}`) this database has not applied yet; all of them on an empty database. */
export const pending: Effect.Effect<ReadonlyArray<string>, SqlError.SqlError, SqlClient.SqlClient> = Effect.gen(
  function*() {
    const sql = yield* SqlClient.SqlClient
    const [table] = yield* sql<{ readonly exists: boolean }>`SELECT to_regclass(${TABLE}) IS NOT NULL AS exists`
    const applied = table?.exists === true
      ? new Set((yield* sql<{ readonly id: number }>`SELECT migration_id AS id FROM ${sql(TABLE)}`).map((row) => row.id))
      : new Set<number>()
    return Object.keys(migrations).filter((key) => !applied.has(Number(key.split("_")[0])))
  }
)

/** Why a process that does not migrate could not start: the schema still lacks `missing` after `waitedMs`. */
export class SchemaBehind extends Data.TaggedError("SchemaBehind")<{
  readonly missing: ReadonlyArray<string>
  readonly waitedMs: number
}> {
  override get message(): string {
    return `the database's schema lacks the migrations ${this.missing.join(", ")} after waiting ${
      Math.round(this.waitedMs / 1000)
    } s: a process must apply them first (Migrations.run; Herald's API does at start, or its migrate command)`
  }
}

/**
 * Waits until every migration of this version is applied, by another process (an API starting
 * beside it, or the `migrate` command): for a process that never migrates (a worker, or an API with
 * migrations left to the operator). Checks once a second, logs once while it waits, and fails with
 * `SchemaBehind` after `timeoutMs` (default 60 s).
 */
export const awaitApplied = (
  options?: { readonly timeoutMs?: number | undefined }
): Effect.Effect<void, SchemaBehind | SqlError.SqlError, SqlClient.SqlClient> => {
  const timeoutMs = options?.timeoutMs ?? 60_000
  return Effect.gen(function*() {
    let logged = false
    const started = yield* Clock.currentTimeMillis
    const check = Effect.flatMap(Effect.zip(pending, Clock.currentTimeMillis), ([missing, now]) => {
      if (missing.length === 0) return Effect.void
      // A caller that does not wait (timeout 0: the keys command) is told by the failure alone.
      const log = logged || timeoutMs <= 0
        ? Effect.void
        : Effect.logInfo(`waiting for the database's schema: migrations ${missing.join(", ")} not yet applied`)
      logged = true
      return Effect.zipRight(log, Effect.fail(new SchemaBehind({ missing, waitedMs: now - started })))
    })
    yield* check.pipe(
      Effect.retry({
        while: (error) => error instanceof SchemaBehind,
        schedule: Schedule.spaced(Duration.seconds(1)).pipe(Schedule.upTo(Duration.millis(timeoutMs)))
      })
    )
  })
}
