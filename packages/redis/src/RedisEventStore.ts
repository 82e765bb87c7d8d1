/**
 * EventStore on Redis: `evt:{teamspace}:{id}` holds the Schema-encoded event,
 * so one id in two teamspaces is two events. `append` is one Lua script (read,
 * then SET ... NX with the retention TTL): of concurrent appends exactly one
 * writes, and every other gets the stored winner back in the same round trip,
 * with no window in which the key could expire between a failed SET and a GET.
 * `evt-pending:{teamspace}:{id}` marks a fan-out not yet completed: the append
 * script writes it with the event (same TTL) and `markDispatched` deletes it. A
 * batch's appends are the same script pipelined (one round trip), its markers deleted by one DEL. A
 * marker of the unfinished rather than of the finished keeps nothing per event
 * once it is dispatched (a key costs about 100 bytes of Redis).
 *
 * Listings read lexicographic sorted sets of `EventCursor.sortKey`s (all scores
 * 0): `evt-index:{teamspace}` and `evt-index:{teamspace}:{type}`, added to by the
 * append script. Each append trims the members older than the retention and
 * renews the index's TTL, so an index never outlives its newest event nor keeps
 * pointers to expired ones for long; a page skips any it still meets.
 */
import { Effect, Layer } from "effect"
import { Event, EventCursor, EventStore, type EventType, type Ids } from "@herald/core"
import * as JsonCodec from "./internal/JsonCodec.js"
import * as LuaScript from "./internal/LuaScript.js"
import { execute, RedisClient } from "./RedisClient.js"
import * as Retention from "./Retention.js"

/**
 * KEYS: event, pending marker, teamspace index, type index.
 * ARGV: json, ttl seconds, sort key, sort key below which index entries expired.
 * {existing record, 1 if dispatched else 0}, or nil once written.
 */
const appendEvent = `
local existing = redis.call('GET', KEYS[1])
if existing then return { existing, 1 - redis.call('EXISTS', KEYS[2]) } end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX')
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
for i = 3, 4 do
  redis.call('ZADD', KEYS[i], 0, ARGV[3])
  redis.call('ZREMRANGEBYLEX', KEYS[i], '-', '(' .. ARGV[4])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return false
`

/** The event id inside a sort key (`<time>:<id>`; ids hold no colon). */
const idOfSortKey = (sortKey: string): Ids.EventId => sortKey.slice(sortKey.indexOf(":") + 1) as Ids.EventId

const descending = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0)

const codec = JsonCodec.make(Event.Event)

/** How long events are kept (see `Retention`). */
export type Options = Retention.Options

/**
 * Builds the Redis `EventStore` with these retention options over the `RedisClient`; for composing
 * it yourself. Most callers want `layer`.
 */
export const make = (options?: Options): Effect.Effect<EventStore.EventStoreShape, never, RedisClient> =>
  Effect.gen(function*() {
    const { prefix, redis } = yield* RedisClient
    const ttl = Retention.seconds(options)
    const key = (teamspace: Ids.TeamspaceId, id: Ids.EventId) => `${prefix}evt:${teamspace}:${id}`
    const pendingKey = (teamspace: Ids.TeamspaceId, id: Ids.EventId) => `${prefix}evt-pending:${teamspace}:${id}`
    const indexKey = (teamspace: Ids.TeamspaceId, type?: EventType.EventType) =>
      type === undefined ? `${prefix}evt-index:${teamspace}` : `${prefix}evt-index:${teamspace}:${type}`
    const append = LuaScript.define(redis, "heraldAppendEvent", 4, appendEvent)

    /** The append script's keys and arguments for `event`. */
    const appendCall = (event: Event.Event) =>
      Effect.map(codec.encode(event), (json): LuaScript.Call => ({
        keys: [
          key(event.teamspace, event.id),
          pendingKey(event.teamspace, event.id),
          indexKey(event.teamspace),
          indexKey(event.teamspace, event.type)
        ],
        args: [json, ttl, EventCursor.sortKey(event), EventCursor.timeSortKey(event.createdAt - ttl * 1000)]
      }))

    /** What the append script's reply says. */
    const appended = (reply: unknown): Effect.Effect<EventStore.AppendResult> =>
      Array.isArray(reply) && typeof reply[0] === "string"
        ? Effect.map(codec.decode(reply[0]), (existing) => ({ _tag: "Exists", existing, dispatched: reply[1] === 1 }))
        : Effect.succeed({ _tag: "Appended" })

    const list = (query: EventStore.EventQuery) =>
      Effect.gen(function*() {
        const limit = Math.max(0, Math.floor(query.limit))
        if (limit === 0) return []
        const keys = query.types === undefined || query.types.length === 0
          ? [indexKey(query.teamspace)]
          : [...new Set(query.types)].map((type) => indexKey(query.teamspace, type))
        const { from, to } = EventCursor.range(query)
        const max = to === undefined ? "+" : `(${to}`
        const min = from === undefined ? "-" : `[${from}`
        const pages = yield* Effect.forEach(
          keys,
          (key) => execute("ZREVRANGEBYLEX", () => redis.zrevrangebylex(key, max, min, "LIMIT", 0, limit)),
          { concurrency: "unbounded" }
        )
        const ids = pages.flat().sort(descending).slice(0, limit).map(idOfSortKey)
        if (ids.length === 0) return []
        const raws = yield* execute("MGET", () => redis.mget(ids.map((id) => key(query.teamspace, id))))
        // An entry whose event expired before the index was trimmed is skipped.
        return yield* Effect.forEach(raws.filter((raw) => raw !== null), (raw) => codec.decode(raw))
      })

    return {
      append: (event) => Effect.flatMap(appendCall(event), (call) => Effect.flatMap(append(call.keys, call.args), appended)),
      appendAll: (events) =>
        Effect.forEach(events, appendCall).pipe(
          Effect.flatMap(append.all),
          Effect.flatMap((replies) => Effect.forEach(replies, appended))
        ),
      markDispatchedAll: (teamspace, ids) =>
        ids.length === 0
          ? Effect.void
          : execute("DEL", () => redis.del(...ids.map((id) => pendingKey(teamspace, id)))).pipe(Effect.asVoid),
      markDispatched: (teamspace, id) => execute("DEL", () => redis.del(pendingKey(teamspace, id))).pipe(Effect.asVoid),
      list,
      get: (teamspace, id) =>
        execute("GET", () => redis.get(key(teamspace, id))).pipe(
          Effect.flatMap((raw) => raw === null ? Effect.succeedNone : Effect.asSome(codec.decode(raw)))
        )
    }
  })

/**
 * Provides `EventStore` on Redis with these retention options; needs a `RedisClient`.
 * `RedisLayer.layer` includes it. Events expire after the retention (30 days by default). Redis
 * failures are defects (a `RedisError`), so the port's operations never fail.
 */
export const layer = (options?: Options): Layer.Layer<EventStore.EventStore, never, RedisClient> =>
  Layer.effect(EventStore.EventStore, make(options))
