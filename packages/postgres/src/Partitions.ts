/**
 * The day partitions of `herald_events` (one per UTC day, `herald_events_pYYYYMMDD`, holding
 * `[day, day + 1)`). An insert needs its day's partition to exist (there is no DEFAULT partition:
 * attaching a day later would scan it), so every process makes them ahead: `PostgresEventStore`
 * ensures yesterday to today + 3 days when its layer is built, and the day of an insert that still
 * finds none. `ensure` is idempotent and runs under a transaction-scoped advisory lock, so any
 * number of processes may run it at once.
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
