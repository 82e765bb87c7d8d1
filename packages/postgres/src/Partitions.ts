/**
 * The day partitions of `herald_events` (one per UTC day, `herald_events_pYYYYMMDD`, holding
 * `[day, day + 1)`). An insert needs its day's partition to exist (there is no DEFAULT partition:
 * attaching a day later would scan it), so every process makes them ahead: `PostgresEventStore`
 * ensures yesterday to today + 3 days when its layer is built, and the day of an insert that still
 * finds none. `ensure` is idempotent and runs under a transaction-scoped advisory lock, so any
 * number of processes may run it at once. `dropExpired` is retention's disk side: it drops the
 * partitions wholly older than a cutoff and deletes the expired keys (no process calls it yet).
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { Clock, Effect } from "effect"

/** The advisory lock key held while creating partitions (`Migrations.LOCK_KEY` + 1). */
export const LOCK_KEY = 7_347_272_017

const DAY = 24 * 60 * 60 * 1000

/** The first millisecond of the UTC day holding `time` (epoch ms). */
export const dayStart = (time: number): number => Math.floor(time / DAY) * DAY

/** The partition's table name for the UTC day starting at `day`, e.g. `herald_events_p20261203`. */
export const tableName = (day: number): string => `herald_events_p${new Date(day).toISOString().slice(0, 10).replaceAll("-", "")}`

/** Creates the missing partitions of the UTC days from `from`'s to `to`'s (epoch ms, both included). */
export const ensure = (from: number, to: number): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(${LOCK_KEY}::bigint)`
      for (let day = dayStart(from); day <= to; day += DAY) {
        // DDL takes no parameters; the name and bounds are made from numbers above, never input.
        const lower = new Date(day).toISOString()
        const upper = new Date(day + DAY).toISOString()
        yield* sql.unsafe(
          `CREATE TABLE IF NOT EXISTS ${tableName(day)} PARTITION OF herald_events
            FOR VALUES FROM ('${lower}') TO ('${upper}')`
        )
      }
    }))
  })

/** Ensures the partitions of yesterday to today + 3 days (UTC), by the effect's clock. */
export const ensureAhead: Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> = Effect.flatMap(
  Clock.currentTimeMillis,
  (now) => ensure(now - DAY, now + 3 * DAY)
)

/** What `dropExpired` removed. */
export interface Dropped {
  /** The partitions dropped, by table name, oldest first. */
  readonly partitions: ReadonlyArray<string>
  /** How many `herald_event_keys` rows were deleted. */
  readonly keys: number
}

/** How many expired keys one DELETE removes: narrow rows, short transactions. */
export const KEY_BATCH = 10_000

const PARTITION_NAME = /^herald_events_p(\d{4})(\d{2})(\d{2})$/

/**
 * Drops each partition whose days all lie before `cutoff` (epoch ms: now minus the retention), under
 * the partitions' lock, then deletes the keys created before `cutoff` in batches of `KEY_BATCH`.
 * Reads already leave out what is older than the cutoff, so this frees disk and changes no answer.
 */
export const dropExpired = (cutoff: number): Effect.Effect<Dropped, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const partitions = yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(${LOCK_KEY}::bigint)`
      const rows = yield* sql<{ readonly name: string }>`SELECT c.relname AS name FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'herald_events'::regclass ORDER BY c.relname`
      const expired = rows.map((row) => row.name).filter((name) => {
        const day = PARTITION_NAME.exec(name)
        return day !== null && Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) + DAY <= cutoff
      })
      // The name matched the pattern above: digits only, safe in DDL.
      for (const name of expired) yield* sql.unsafe(`DROP TABLE ${name}`)
      return expired
    }))
    let keys = 0
    for (;;) {
      const deleted = yield* sql<{ readonly n: number }>`WITH gone AS (
          DELETE FROM herald_event_keys WHERE ctid IN (
            SELECT ctid FROM herald_event_keys WHERE created_at < to_timestamp(${cutoff}::float8 / 1000) LIMIT ${KEY_BATCH})
          RETURNING 1)
        SELECT count(*)::int AS n FROM gone`
      const n = deleted[0]?.n ?? 0
      keys += n
      if (n < KEY_BATCH) break
    }
    return { partitions, keys }
  })
