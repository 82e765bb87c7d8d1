/**
 * The day partitions of Herald's history tables, one per UTC day holding `[day, day + 1)`:
 * `herald_events` by `created_at` (`herald_events_pYYYYMMDD`) and `herald_attempts` by
 * `attempted_at` (`herald_attempts_pYYYYMMDD`). An insert needs its day's partition to exist (there
 * is no DEFAULT partition: attaching a day later would scan it), so every process makes them ahead:
 * the stores ensure yesterday to today + 3 days when their layer is built, `withPartition` makes
 * the day of an insert that still finds none, and `keeper` does both ends every hour: the coming
 * days, and `dropExpired`, retention's disk side (which also deletes expired portal sessions' keys).
 *
 * `ensure` and the drop of partitions run under one transaction-scoped advisory lock, so any number
 * of processes may run them at once: each partition is created once, and no DROP races a CREATE.
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { Cause, Clock, Duration, Effect, Layer, Option, Schedule } from "effect"
import * as Timestamps from "./internal/Timestamps.js"
import * as Retention from "./Retention.js"

/** The advisory lock key held while creating or dropping partitions (`Migrations.LOCK_KEY` + 1). */
export const LOCK_KEY = 7_347_272_017

/**
 * The advisory lock key a `keeper` pass tries (`LOCK_KEY` + 1): a pass finding it held skips, since
 * another process is doing the same work on the same database.
 */
export const KEEPER_LOCK_KEY = 7_347_272_018

/** A table partitioned by day (`PARTITION BY RANGE` on a `timestamptz` column, in `Migrations`). */
export interface Table {
  readonly name: "herald_events" | "herald_attempts"
}

/** Events, by `created_at`. */
export const events: Table = { name: "herald_events" }

/** Delivery attempts, by `attempted_at`. */
export const attempts: Table = { name: "herald_attempts" }

/** Every partitioned table: `ensure` and `dropExpired` cover them all. */
export const tables: ReadonlyArray<Table> = [events, attempts]

const DAY = 24 * 60 * 60 * 1000

/** The first millisecond of the UTC day holding `time` (epoch ms). */
export const dayStart = (time: number): number => Math.floor(time / DAY) * DAY

/** The name of `table`'s partition for the UTC day starting at `day`, e.g. `herald_events_p20261203`. */
export const tableName = (table: Table, day: number): string =>
  `${table.name}_p${new Date(day).toISOString().slice(0, 10).replaceAll("-", "")}`

/** Creates the missing partitions of every table for the UTC days from `from`'s to `to`'s (epoch ms, both included). */
export const ensure = (from: number, to: number): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(${LOCK_KEY}::bigint)`
      for (let day = dayStart(from); day <= to; day += DAY) {
        // DDL takes no parameters; the names and bounds are made from numbers and constants, never input.
        const lower = new Date(day).toISOString()
        const upper = new Date(day + DAY).toISOString()
        for (const table of tables) {
          yield* sql.unsafe(
            `CREATE TABLE IF NOT EXISTS ${tableName(table, day)} PARTITION OF ${table.name}
              FOR VALUES FROM ('${lower}') TO ('${upper}')`
          )
        }
      }
    }))
  })

/** Ensures the partitions of yesterday to today + 3 days (UTC), by the effect's clock. */
export const ensureAhead: Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> = Effect.flatMap(
  Clock.currentTimeMillis,
  (now) => ensure(now - DAY, now + 3 * DAY)
)

/** SQLSTATE 23514: an insert into a partitioned table found no partition for its row. */
const isMissingPartition = (error: SqlError.SqlError): boolean => {
  const cause: unknown = error.cause
  return typeof cause === "object" && cause !== null && "code" in cause && cause.code === "23514"
}

/**
 * Runs `insert`, a statement writing a row of a partitioned table dated `time` (epoch ms); when it
 * fails for want of that day's partition (a clock far ahead, a backdated row, processes down for
 * days), the statement failed whole, so this makes the day's partitions and runs it once more.
 */
export const withPartition = <A>(
  time: number,
  insert: Effect.Effect<A, SqlError.SqlError>
): Effect.Effect<A, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.catchIf(insert, isMissingPartition, () => Effect.zipRight(ensure(time, time), insert))

/**
 * `withPartition` for a statement writing rows dated on several days (`days`: epoch ms, any time of
 * each day): when it fails for want of a partition, makes every one of those days' partitions and
 * runs it once more.
 */
export const withPartitions = <A>(
  days: ReadonlyArray<number>,
  insert: Effect.Effect<A, SqlError.SqlError>
): Effect.Effect<A, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.catchIf(
    insert,
    isMissingPartition,
    () => Effect.zipRight(Effect.forEach(days, (day) => ensure(day, day), { discard: true }), insert)
  )

/** What `dropExpired` removed. */
export interface Dropped {
  /** The partitions dropped, by table name: each table's, oldest first, events' before attempts'. */
  readonly partitions: ReadonlyArray<string>
  /** How many `herald_event_keys` rows were deleted. */
  readonly keys: number
  /** How many failure streaks (`herald_webhook_health`) whose last failure is older than the cutoff were deleted. */
  readonly streaks: number
  /** How many expired portal sessions' keys (`herald_api_keys` rows whose `expires_at` has come) were deleted. */
  readonly sessions: number
}

/** How many expired keys one DELETE removes: narrow rows, short transactions. */
export const KEY_BATCH = 10_000

/** Drops each partition whose days all lie before `cutoff`, holding the partitions' lock. */
const dropPartitions = (cutoff: number): Effect.Effect<ReadonlyArray<string>, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(${LOCK_KEY}::bigint)`
      const dropped: Array<string> = []
      for (const table of tables) {
        const rows = yield* sql<{ readonly name: string }>`SELECT c.relname AS name FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = ${table.name}::regclass ORDER BY c.relname`
        const named = new RegExp(`^${table.name}_p(\\d{4})(\\d{2})(\\d{2})$`)
        const expired = rows.map((row) => row.name).filter((name) => {
          const day = named.exec(name)
          return day !== null && Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) + DAY <= cutoff
        })
        // Each name matched `<table>_pYYYYMMDD` above: a known table and digits, safe in DDL.
        for (const name of expired) yield* sql.unsafe(`DROP TABLE ${name}`)
        dropped.push(...expired)
      }
      return dropped
    }))
  })

/**
 * Deletes, in batches of `KEY_BATCH` (each its own short transaction), the event keys created before
 * `cutoff`, then the portal sessions' keys expired by `now`, then the failure streaks whose last
 * failure is older than `cutoff` (webhooks that stopped failing without a success: deleted, or no
 * longer sent to), as Redis expires them all.
 */
const deleteExpiredRows = (
  cutoff: number,
  now: number
): Effect.Effect<Omit<Dropped, "partitions">, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const before = Timestamps.at(sql, cutoff)
    /** Runs `batch` (a DELETE of at most `KEY_BATCH` rows, counting them) until it deletes fewer; the total. */
    const inBatches = (batch: () => Effect.Effect<ReadonlyArray<{ readonly n: number }>, SqlError.SqlError>) =>
      Effect.gen(function*() {
        let total = 0
        for (;;) {
          const n = (yield* batch())[0]?.n ?? 0
          total += n
          if (n < KEY_BATCH) return total
        }
      })
    const keys = yield* inBatches(() =>
      sql<{ readonly n: number }>`WITH gone AS (
          DELETE FROM herald_event_keys WHERE ctid IN (
            SELECT ctid FROM herald_event_keys WHERE created_at < ${before} LIMIT ${KEY_BATCH})
          RETURNING 1)
        SELECT count(*)::int AS n FROM gone`
    )
    const sessions = yield* inBatches(() =>
      sql<{ readonly n: number }>`WITH gone AS (
          DELETE FROM herald_api_keys WHERE ctid IN (
            SELECT ctid FROM herald_api_keys WHERE expires_at <= ${now} LIMIT ${KEY_BATCH})
          RETURNING 1)
        SELECT count(*)::int AS n FROM gone`
    )
    // One row per failing webhook: a small table, one statement.
    const streaks = yield* sql<{ readonly n: number }>`WITH gone AS (
        DELETE FROM herald_webhook_health WHERE last_failure_at < ${before} RETURNING 1)
      SELECT count(*)::int AS n FROM gone`
    return { keys, sessions, streaks: streaks[0]?.n ?? 0 }
  })

/**
 * Drops the partitions (of every table) whose days all lie before `cutoff` (epoch ms: now minus the
 * retention), then deletes the expired event keys, portal sessions' keys (expired by the effect's
 * clock) and failure streaks (see `Dropped`). Reads already leave out what is older than the cutoff,
 * and lookups the expired sessions, so this frees disk and changes no answer.
 */
export const dropExpired = (cutoff: number): Effect.Effect<Dropped, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const partitions = yield* dropPartitions(cutoff)
    const rows = yield* deleteExpiredRows(cutoff, yield* Clock.currentTimeMillis)
    return { partitions, ...rows }
  })

/** How long a keeper pass waits for a table's lock before it gives up (`lock_timeout`). */
export const PASS_LOCK_TIMEOUT = "5s"

/**
 * One keeper pass by the effect's clock: ensures the partitions of yesterday to today + 3 days, then
 * does `dropExpired(now - retention)`; returns what it dropped. None when another process holds
 * `KEEPER_LOCK_KEY` (tried in the pass's transaction, never waited for): that process is making the
 * same partitions and dropping the same ones.
 */
export const pass = (
  retentionSeconds: number
): Effect.Effect<Option.Option<Dropped>, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const now = yield* Clock.currentTimeMillis
    const cutoff = now - Retention.millis({ retentionSeconds })
    // The DDL in one transaction under the try-lock (ensure and the drop nest in it as savepoints);
    // the batched deletes after it, each short, by the pass that got the lock.
    const partitions = yield* sql.withTransaction(Effect.gen(function*() {
      const [row] = yield* sql<{ readonly locked: boolean }>`SELECT pg_try_advisory_xact_lock(${KEEPER_LOCK_KEY}::bigint) AS locked`
      if (row?.locked !== true) return Option.none()
      // Creating or dropping a partition locks its table whole: waiting behind a long query, it
      // would hold up every statement queued after it. A pass gives up instead (the next hour's
      // tries again; the days ahead leave it days to succeed).
      yield* sql.unsafe(`SET LOCAL lock_timeout = '${PASS_LOCK_TIMEOUT}'`)
      // From yesterday, or from the cutoff's day when that is later (a retention under a day):
      // a partition wholly before the cutoff would be made only to be dropped below.
      yield* ensure(Math.max(now - DAY, cutoff), now + 3 * DAY)
      return Option.some(yield* dropPartitions(cutoff))
    }))
    if (Option.isNone(partitions)) return Option.none()
    const rows = yield* deleteExpiredRows(cutoff, now)
    return Option.some({ partitions: partitions.value, ...rows })
  })

/** What the `keeper` needs: the retention its stores use, and how often to run. */
export interface KeeperOptions {
  /** The stores' retention, whole seconds (`Retention.Options`): partitions wholly older are dropped. */
  readonly retentionSeconds: number
  /** Time between the end of a pass and the start of the next. Default one hour. */
  readonly intervalMs?: number | undefined
}

/**
 * Keeps the partitions in a long-running process: a fiber that runs a `pass` when the layer is
 * built, then every `intervalMs` (an hour by default), until the layer's scope closes. A pass that
 * fails is logged and the next one runs as planned: a keeper never stops its process (the stores
 * still make a missing day's partition on their own, and expired rows are already left out of
 * reads). Needs a `SqlClient` and the schema.
 */
export const keeper = (options: KeeperOptions): Layer.Layer<never, never, SqlClient.SqlClient> =>
  Layer.scopedDiscard(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const interval = Duration.millis(Math.max(1, options.intervalMs ?? 60 * 60 * 1000))
    const once = pass(options.retentionSeconds).pipe(
      Effect.provideService(SqlClient.SqlClient, sql),
      Effect.tap(Option.match({
        onNone: () => Effect.logDebug("partition keeper: another process holds the pass, skipped"),
        onSome: (dropped) =>
          dropped.partitions.length + dropped.keys + dropped.sessions + dropped.streaks === 0
            ? Effect.void
            : Effect.logInfo("partition keeper: dropped expired history").pipe(
              Effect.annotateLogs({
                partitions: dropped.partitions.join(","),
                keys: dropped.keys,
                sessions: dropped.sessions,
                streaks: dropped.streaks
              })
            )
      })),
      // Interrupted (the scope closing) is no failure: it ends the fiber, unlogged.
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.failCause(cause)
          : Effect.logWarning("partition keeper: pass failed, the next runs as planned", cause)
      )
    )
    yield* Effect.forkScoped(Effect.repeat(once, Schedule.spaced(interval)))
  }))
