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
 * `appendOwing` (with `owesFirstPage`) is the same statement, which also reads the fan-out's first
 * page from the subscriptions' index and owes it (`herald_owed_deliveries`) from the key it
 * returned, leaving a fan-out row only when more remain, its cursor at the last owed: what the
 * append and `PostgresDeliveryLedger.owe`'s first step would leave, in one round trip and one
 * commit instead of three.
 *
 * `appendAll` is `append` for a whole batch in one statement: the keys inserted from arrays (`unnest`)
 * in (teamspace, id) order, so that concurrent batches sharing ids lock them in the same order and
 * never deadlock, and the events and fan-out rows inserted from the keys it returned; then, only
 * when some ids were already stored, one read of those. `markDispatchedAll` is one.
 *
 * Retention: events count as gone once `createdAt` is older than the retention (30 days by
 * default, as on Redis): every read filters by that cutoff, so expiry is exact, and an expired id
 * may be appended again. `Partitions.dropExpired` frees their disk (`Partitions.keeper` runs it hourly).
 * Database failures are defects: the port's operations never fail.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { Event, EventStore, type Ids } from "@herald/core"
import * as FanOutIndex from "./internal/FanOutIndex.js"
import * as Timestamps from "./internal/Timestamps.js"
import * as Partitions from "./Partitions.js"
import * as Retention from "./Retention.js"

/** How long events are kept (the same option as `@herald/redis`'s `RedisEventStore`), and whether a publish owes its first page in its append. */
export interface Options extends Retention.Options {
  /**
   * Offer `appendOwing`: the append of a new event also owes its fan-out's first page in
   * `PostgresDeliveryLedger`'s table, reading `PostgresSubscriptionStore`'s fan-out index, in one
   * statement. Only beside those two on the same database. Default false.
   */
  readonly owesFirstPage?: boolean | undefined
}

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
    /**
     * The append's common table expressions: `key`, the id's key row inserted (or an expired one
     * taken over), returning its `created_at` only when this append won it; `ev`, the event row
     * inserted from it. What follows in the statement reads `key` to act only for a new event.
     */
    const keyAndEvent = (event: Event.Event, oldest: number) =>
      sql`key AS (
          INSERT INTO herald_event_keys (teamspace, id, created_at)
          VALUES (${event.teamspace}, ${event.id}, ${at(event.createdAt)})
          ON CONFLICT (teamspace, id) DO UPDATE SET created_at = excluded.created_at
            WHERE herald_event_keys.created_at < ${at(oldest)}
          RETURNING created_at),
        ev AS (
          INSERT INTO herald_events (teamspace, id, created_at, type, data)
          SELECT ${event.teamspace}, ${event.id}, created_at, ${event.type}, ${event.dataJson} FROM key
          ON CONFLICT (teamspace, id, created_at) DO UPDATE SET type = excluded.type, data = excluded.data)`

    const insert = (event: Event.Event, oldest: number) =>
      sql<{ readonly appended: number }>`WITH ${keyAndEvent(event, oldest)},
        fo AS (
          INSERT INTO herald_fanouts (teamspace, event_id, updated_at)
          SELECT ${event.teamspace}, ${event.id}, now() FROM key
          ON CONFLICT (teamspace, event_id) DO UPDATE
          SET after = NULL, handed_off = false, updated_at = excluded.updated_at)
        SELECT count(*)::int AS appended FROM key`

    // As `insert`, the fan-out's first page read and owed from the key it returned: the first
    // `limit` targets owed (an ordered webhook's with no due time), and a fan-out row only when
    // the page holds one more, its cursor at the last owed. One row per page target comes back
    // (none when nothing matched), each with whether the key was inserted.
    const insertOwing = (event: Event.Event, oldest: number, page: { readonly limit: number; readonly dueAt: number }) => {
      // A chunk holds at least one target (`FanOutChunkSize` of 0 would make the cursor's OFFSET negative).
      const first = { ...page, limit: Math.max(1, Math.floor(page.limit)) }
      return sql<{ readonly appended: number } & Partial<FanOutIndex.TargetRow>>`WITH ${keyAndEvent(event, oldest)},
        page AS (${FanOutIndex.page(sql, { teamspace: event.teamspace, eventType: event.type, limit: first.limit + 1 })}),
        owed AS (
          INSERT INTO herald_owed_deliveries (webhook_id, event_id, teamspace, event_created_at, due_at)
          SELECT target.webhook_id, ${event.id}, ${event.teamspace}, key.created_at,
            CASE WHEN target.ordered THEN NULL ELSE ${at(first.dueAt)} END
          FROM (SELECT webhook_id, ordered FROM page ORDER BY webhook_id LIMIT ${first.limit}) AS target, key
          ON CONFLICT (webhook_id, event_id) DO NOTHING),
        fo AS (
          INSERT INTO herald_fanouts (teamspace, event_id, after, updated_at)
          SELECT ${event.teamspace}, ${event.id},
            (SELECT webhook_id FROM page ORDER BY webhook_id OFFSET ${first.limit - 1} LIMIT 1), now()
          FROM key WHERE (SELECT count(*) FROM page) > ${first.limit}
          ON CONFLICT (teamspace, event_id) DO UPDATE
          SET after = excluded.after, handed_off = false, updated_at = excluded.updated_at),
        -- A page that fits leaves no fan-out: a cursor an expired event of this id left goes too,
        -- else a repeated publish or the reconciler would step from it and owe again what this owed.
        fo_done AS (
          DELETE FROM herald_fanouts
          WHERE teamspace = ${event.teamspace} AND event_id = ${event.id}
            AND EXISTS (SELECT FROM key) AND (SELECT count(*) FROM page) <= ${first.limit})
        SELECT (SELECT count(*) FROM key)::int AS appended, page.webhook_id, page.ordered
        FROM (SELECT 1) AS one LEFT JOIN page ON EXISTS (SELECT FROM key)
        ORDER BY page.webhook_id`
    }

    /** What an append found: `Exists` with the stored event, read back with the same cutoff. */
    const found = (
      event: Event.Event,
      oldest: number,
      again: Effect.Effect<EventStore.AppendResult | EventStore.AppendOwingResult>,
      retried: boolean
    ) =>
      Effect.gen(function*() {
        const existing = yield* stored(event.teamspace, event.id, oldest)
        // The insert met a key at or after the cutoff, and the read uses the same cutoff: only a
        // key deleted in between (a retention pass at the boundary) misses, so append once more.
        if (Option.isNone(existing)) {
          if (retried) return yield* Effect.dieMessage(`event ${event.id}: its key is neither free nor readable`)
          return yield* again
        }
        return {
          _tag: "Exists",
          existing: yield* decode(existing.value),
          dispatched: existing.value.dispatched
        } as const
      })

    const append = (event: Event.Event, retried = false): Effect.Effect<EventStore.AppendResult> =>
      Effect.gen(function*() {
        const oldest = yield* cutoff
        const rows = yield* Partitions.withPartition(event.createdAt, insert(event, oldest)).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.orDie
        )
        if (rows[0]?.appended === 1) return { _tag: "Appended" } as const
        return yield* found(event, oldest, append(event, true), retried) as Effect.Effect<EventStore.AppendResult>
      })

    const appendOwing = (
      event: Event.Event,
      first: { readonly limit: number; readonly dueAt: number },
      retried = false
    ): Effect.Effect<EventStore.AppendOwingResult> =>
      Effect.gen(function*() {
        const oldest = yield* cutoff
        const rows = yield* Partitions.withPartition(event.createdAt, insertOwing(event, oldest, first)).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.orDie
        )
        if (rows[0]?.appended === 1) {
          const page = rows.flatMap((row) =>
            row.webhook_id === undefined || row.webhook_id === null
              ? []
              : [{ id: row.webhook_id as Ids.WebhookId, ordered: row.ordered === true }]
          )
          return { _tag: "Appended", page } as const
        }
        return yield* found(event, oldest, appendOwing(event, first, true), retried) as Effect.Effect<
          EventStore.AppendOwingResult
        >
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

    /** (teamspace, id) as one string: `\n` appears in neither. */
    const keyOf = (teamspace: string, id: string) => `${teamspace}\n${id}`

    // `insert` for many events at once, from arrays: the keys in (teamspace, id) order (an INSERT
    // takes its rows' locks in the order its SELECT yields them), the events and fan-out rows from
    // the keys returned. Returns the (teamspace, id) of each event this statement appended. The
    // statement's text is the same for any batch, so it is prepared once per connection.
    const insertAll = (events: ReadonlyArray<Event.Event>, oldest: number) =>
      sql<{ readonly teamspace: string; readonly id: string }>`WITH given AS (
          SELECT * FROM unnest(${events.map((e) => e.teamspace)}::text[], ${events.map((e) => e.id)}::text[],
            ${events.map((e) => e.createdAt)}::float8[], ${events.map((e) => e.type)}::text[],
            ${events.map((e) => e.dataJson)}::text[]) AS given (teamspace, id, created_ms, type, data)),
        key AS (
          INSERT INTO herald_event_keys (teamspace, id, created_at)
          SELECT teamspace, id, to_timestamp(created_ms / 1000) FROM given ORDER BY teamspace, id
          ON CONFLICT (teamspace, id) DO UPDATE SET created_at = excluded.created_at
            WHERE herald_event_keys.created_at < ${at(oldest)}
          RETURNING teamspace, id, created_at),
        ev AS (
          INSERT INTO herald_events (teamspace, id, created_at, type, data)
          SELECT key.teamspace, key.id, key.created_at, given.type, given.data
          FROM key JOIN given ON given.teamspace = key.teamspace AND given.id = key.id
          ON CONFLICT (teamspace, id, created_at) DO UPDATE SET type = excluded.type, data = excluded.data),
        fo AS (
          INSERT INTO herald_fanouts (teamspace, event_id, updated_at)
          SELECT teamspace, id, now() FROM key
          ON CONFLICT (teamspace, event_id) DO UPDATE
          SET after = NULL, handed_off = false, updated_at = excluded.updated_at)
        SELECT teamspace, id FROM key`

    /** `stored` for many ids at once: the kept ones' events, with whether each is dispatched. */
    const storedAll = (events: ReadonlyArray<Event.Event>, oldest: number) =>
      sql<StoredRow>`SELECT e.id, e.teamspace, e.type, e.data, ${millis} AS created_at,
          (f.event_id IS NULL OR f.handed_off) AS dispatched
        FROM unnest(${events.map((e) => e.teamspace)}::text[], ${events.map((e) => e.id)}::text[]) AS given (teamspace, id)
        JOIN herald_event_keys k ON k.teamspace = given.teamspace AND k.id = given.id
        JOIN herald_events e ON e.teamspace = k.teamspace AND e.id = k.id AND e.created_at = k.created_at
        LEFT JOIN herald_fanouts f ON f.teamspace = k.teamspace AND f.event_id = k.id
        WHERE k.created_at >= ${at(oldest)}`.pipe(Effect.orDie)

    /**
     * One statement for the batch, and one read when some ids were stored already. An id repeated
     * in `events` is appended by its first occurrence; the later ones find it, as consecutive
     * `append`s would. A key gone between the insert and the read (a retention pass at the
     * boundary) is appended once more, as `append` does.
     */
    const appendAll = (
      events: ReadonlyArray<Event.Event>,
      retried = false
    ): Effect.Effect<ReadonlyArray<EventStore.AppendResult>> =>
      Effect.gen(function*() {
        if (events.length === 0) return []
        const oldest = yield* cutoff
        const firsts = new Map<string, Event.Event>()
        for (const event of events) {
          const key = keyOf(event.teamspace, event.id)
          if (!firsts.has(key)) firsts.set(key, event)
        }
        const unique = [...firsts.values()]
        const days = [...new Set(unique.map((event) => Partitions.dayStart(event.createdAt)))]
        const rows = yield* Partitions.withPartitions(days, insertAll(unique, oldest)).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.orDie
        )
        const won = new Set(rows.map((row) => keyOf(row.teamspace, row.id)))
        const appended = new Set<string>()
        const results: Array<EventStore.AppendResult | undefined> = events.map((event) => {
          const key = keyOf(event.teamspace, event.id)
          if (!won.has(key) || appended.has(key)) return undefined
          appended.add(key)
          return { _tag: "Appended" } as const
        })
        const others = events.filter((_, index) => results[index] === undefined)
        if (others.length === 0) return results as ReadonlyArray<EventStore.AppendResult>
        const found = new Map<string, StoredRow>()
        for (const row of yield* storedAll(others, oldest)) found.set(keyOf(row.teamspace, row.id), row)
        const missing = others.filter((event) => !found.has(keyOf(event.teamspace, event.id)))
        if (missing.length > 0 && retried) {
          return yield* Effect.dieMessage(`event ${missing[0]!.id}: its key is neither free nor readable`)
        }
        const again = missing.length === 0 ? [] : yield* appendAll(missing, true)
        const retriedResults = new Map(missing.map((event, index) => [keyOf(event.teamspace, event.id), again[index]!]))
        return yield* Effect.forEach(events, (event, index) => {
          const done = results[index]
          if (done !== undefined) return Effect.succeed(done)
          const key = keyOf(event.teamspace, event.id)
          const row = found.get(key)
          if (row === undefined) return Effect.succeed(retriedResults.get(key)!)
          return Effect.map(decode(row), (existing): EventStore.AppendResult => ({
            _tag: "Exists",
            existing,
            dispatched: row.dispatched
          }))
        })
      })

    const markDispatchedAll = (teamspace: Ids.TeamspaceId, ids: ReadonlyArray<Ids.EventId>) =>
      ids.length === 0 ? Effect.void : sql`WITH removed AS (
          DELETE FROM herald_fanouts WHERE teamspace = ${teamspace} AND event_id IN ${sql.in(ids)} AND after IS NULL)
        UPDATE herald_fanouts SET handed_off = true
        WHERE teamspace = ${teamspace} AND event_id IN ${sql.in(ids)} AND after IS NOT NULL AND NOT handed_off`.pipe(
        Effect.orDie,
        Effect.asVoid
      )

    return { append, appendAll, get, list, markDispatched, markDispatchedAll, ...(options?.owesFirstPage === true ? { appendOwing } : {}) }
  })

/**
 * Provides `EventStore` on PostgreSQL with these retention options; needs a `SqlClient`
 * (`PostgresClient.layer`) and the schema (`Migrations`). Building it makes the coming days'
 * partitions. Database failures are defects, so the port's operations never fail.
 */
export const layer = (options?: Options): Layer.Layer<EventStore.EventStore, never, SqlClient.SqlClient> =>
  Layer.effect(EventStore.EventStore, make(options))
