/**
 * EventStore on PostgreSQL (`Migrations`' events tables): the event in `herald_events`, partitioned
 * by UTC day of `createdAt` (`Partitions`), its payload once, as text byte for byte; the unique
 * `(teamspace, id)` in the unpartitioned `herald_event_keys`, which also says which day holds the
 * event; a `herald_fanouts` row while its fan-out is unfinished (`markDispatched` deletes it, or,
 * when a `PostgresDeliveryLedger` has moved its cursor, marks it handed off: the ledger deletes it
 * once the fan-out is fully owed).
 *
 * `append` is one statement: the key's insert decides (of concurrent appends of an id, one inserts
 * and the others wait on its row, then find it), and the event and fan-out rows are inserted only
 * from the key it returned. An `Exists` reads the stored event back in a second query.
 *
 * Retention: events count as gone once `createdAt` is older than the retention (30 days by
 * default, as on Redis): every read filters by that cutoff, so expiry is exact, and an expired id
 * may be appended again. `Partitions.dropExpired` frees their disk (`Partitions.keeper` runs it hourly).
 * Database failures are defects: the port's operations never fail.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { Event, EventStore, type Ids } from "@herald/core"
import * as Timestamps from "./internal/Timestamps.js"
import * as Partitions from "./Partitions.js"
import * as Retention from "./Retention.js"

/** How long events are kept; the same option as `@herald/redis`'s `RedisEventStore`. */
export type Options = Retention.Options

/** 30 days. */
export const defaultRetentionSeconds = Retention.defaultRetentionSeconds

const decodeEvent = Schema.decodeUnknown(Event.Event)

interface EventRow {
  readonly id: string
  readonly teamspace: string
  readonly type: string
  readonly data: string
  readonly created_at: number
}

interface StoredRow extends EventRow {
  readonly dispatched: boolean
}

/**
 * Builds the PostgreSQL `EventStore` with these retention options over `@effect/sql`'s `SqlClient`,
 * after ensuring the partitions of yesterday to today + 3 days; for composing it yourself. Most
 * callers want `layer`. Needs the schema (`Migrations.run`).
 */
export const make = (options?: Options): Effect.Effect<EventStore.EventStoreShape, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const retentionMs = Retention.millis(options)
    yield* Effect.orDie(Partitions.ensureAhead)

    const at = (time: number) => Timestamps.at(sql, time)
    /** The oldest `created_at` still kept. */
    const cutoff = Effect.map(Clock.currentTimeMillis, (now) => now - retentionMs)
    const millis = Timestamps.millis(sql, "e.created_at")
    const decode = (row: EventRow) =>
      Effect.orDie(decodeEvent({
        id: row.id,
        teamspace: row.teamspace,
        type: row.type,
        dataJson: row.data,
        createdAt: row.created_at
      }))

    /** The stored event of the id, with whether it is dispatched, if kept. */
    const stored = (teamspace: Ids.TeamspaceId, id: Ids.EventId, oldest: number) =>
      sql<StoredRow>`SELECT e.id, e.teamspace, e.type, e.data, ${millis} AS created_at,
          (f.event_id IS NULL OR f.handed_off) AS dispatched
        FROM herald_event_keys k
        JOIN herald_events e ON e.teamspace = k.teamspace AND e.id = k.id AND e.created_at = k.created_at
        LEFT JOIN herald_fanouts f ON f.teamspace = k.teamspace AND f.event_id = k.id
        WHERE k.teamspace = ${teamspace} AND k.id = ${id} AND k.created_at >= ${at(oldest)}`.pipe(
        Effect.orDie,
        Effect.map((rows) => Option.fromNullable(rows[0]))
      )

    // A key older than the cutoff belongs to an expired event: taken over, as Redis frees an
    // expired key. Its event row stays in its (old) partition, filtered out by every read; the
    // ON CONFLICT on events only matters for a re-append at the very same millisecond.
    const insert = (event: Event.Event, oldest: number) =>
      sql<{ readonly appended: number }>`WITH key AS (
          INSERT INTO herald_event_keys (teamspace, id, created_at)
          VALUES (${event.teamspace}, ${event.id}, ${at(event.createdAt)})
          ON CONFLICT (teamspace, id) DO UPDATE SET created_at = excluded.created_at
            WHERE herald_event_keys.created_at < ${at(oldest)}
          RETURNING created_at),
        ev AS (
          INSERT INTO herald_events (teamspace, id, created_at, type, data)
          SELECT ${event.teamspace}, ${event.id}, created_at, ${event.type}, ${event.dataJson} FROM key
          ON CONFLICT (teamspace, id, created_at) DO UPDATE SET type = excluded.type, data = excluded.data),
        fo AS (
          INSERT INTO herald_fanouts (teamspace, event_id, updated_at)
          SELECT ${event.teamspace}, ${event.id}, now() FROM key
          ON CONFLICT (teamspace, event_id) DO UPDATE
          SET after = NULL, handed_off = false, updated_at = excluded.updated_at)
        SELECT count(*)::int AS appended FROM key`

    const append = (event: Event.Event, retried = false): Effect.Effect<EventStore.AppendResult> =>
      Effect.gen(function*() {
        const oldest = yield* cutoff
        const rows = yield* Partitions.withPartition(event.createdAt, insert(event, oldest)).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.orDie
        )
        if (rows[0]?.appended === 1) return { _tag: "Appended" } as const
        const existing = yield* stored(event.teamspace, event.id, oldest)
        // The insert met a key at or after the cutoff, and the read uses the same cutoff: only a
        // key deleted in between (a retention pass at the boundary) misses, so append once more.
        if (Option.isNone(existing)) {
          if (retried) return yield* Effect.dieMessage(`event ${event.id}: its key is neither free nor readable`)
          return yield* append(event, true)
        }
        return {
          _tag: "Exists",
          existing: yield* decode(existing.value),
          dispatched: existing.value.dispatched
        } as const
      })

    const get = (teamspace: Ids.TeamspaceId, id: Ids.EventId) =>
      cutoff.pipe(
        Effect.flatMap((oldest) => stored(teamspace, id, oldest)),
        Effect.flatMap(Option.match({ onNone: () => Effect.succeedNone, onSome: (row) => Effect.asSome(decode(row)) }))
      )

    const list = (query: EventStore.EventQuery) =>
      Effect.gen(function*() {
        const limit = Math.max(0, Math.floor(query.limit))
        if (limit === 0) return []
        const oldest = Math.max(yield* cutoff, query.createdAfter ?? -Infinity)
        const types = [...new Set(query.types ?? [])]
        const rows = yield* sql<EventRow>`SELECT e.id, e.teamspace, e.type, e.data, ${millis} AS created_at
          FROM herald_events e
          WHERE ${
          sql.and([
            sql`e.teamspace = ${query.teamspace}`,
            sql`e.created_at >= ${at(oldest)}`,
            ...(types.length > 0 ? [sql`e.type IN ${sql.in(types)}`] : []),
            ...(query.createdBefore !== undefined ? [sql`e.created_at < ${at(query.createdBefore)}`] : []),
            ...(query.before !== undefined
              ? [sql`(e.created_at, e.id) < (${at(query.before.createdAt)}, ${query.before.id})`]
              : [])
          ])
        }
          ORDER BY e.created_at DESC, e.id DESC
          LIMIT ${limit}`.pipe(Effect.orDie)
        return yield* Effect.forEach(rows, decode)
      })

    // The fan-out cursor is also the `PostgresDeliveryLedger`'s: a row through which nothing was
    // owed yet (`after` NULL: no ledger, or nothing matched) goes; one whose cursor a ledger moved is
    // kept, handed off, until the steps the queue now carries have owed the rest.
    const markDispatched = (teamspace: Ids.TeamspaceId, id: Ids.EventId) =>
      sql`WITH removed AS (
          DELETE FROM herald_fanouts WHERE teamspace = ${teamspace} AND event_id = ${id} AND after IS NULL)
        UPDATE herald_fanouts SET handed_off = true
        WHERE teamspace = ${teamspace} AND event_id = ${id} AND after IS NOT NULL AND NOT handed_off`.pipe(
        Effect.orDie,
        Effect.asVoid
      )

    return { append, get, list, markDispatched }
  })

/**
 * Provides `EventStore` on PostgreSQL with these retention options; needs a `SqlClient`
 * (`PostgresClient.layer`) and the schema (`Migrations`). Building it makes the coming days'
 * partitions. Database failures are defects, so the port's operations never fail.
 */
export const layer = (options?: Options): Layer.Layer<EventStore.EventStore, never, SqlClient.SqlClient> =>
  Layer.effect(EventStore.EventStore, make(options))
