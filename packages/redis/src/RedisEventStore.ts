/**
 * EventStore on Redis: `evt:{teamspace}:{id}` holds the Schema-encoded event,
 * so one id in two teamspaces is two events. `append` is one Lua script (read,
 * then SET ... NX with the retention TTL): of concurrent appends exactly one
 * writes, and every other gets the stored winner back in the same round trip,
 * with no window in which the key could expire between a failed SET and a GET.
 * With `readsFanOutPage` (beside `RedisSubscriptionStore` on the same client, as
 * `RedisLayer` composes them), the same script reads a new event's first fan-out
 * page (`appendReading`): a publish stores its event and learns its targets in
 * one round trip.
 *
 * `evt-pending:{teamspace}:{id}` marks a fan-out not yet completed: the append
 * script writes it with the event (same TTL). A marker of the unfinished rather
 * than of the finished keeps nothing per event once it is dispatched (a key
 * costs about 100 bytes of Redis). `markDispatched` deletes it behind: the next
 * append script of this store deletes the markers settled since (so a publish
 * costs no round trip of its own for it), or, when no append comes, one DEL
 * within `WRITE_BEHIND_MS`; the rest on close. A batch's appends are the same
 * script pipelined (one round trip).
 *
 * Listings read lexicographic sorted sets of `EventCursor.sortKey`s (all scores
 * 0): `evt-index:{teamspace}` and `evt-index:{teamspace}:{type}`, added to by the
 * append script. Each append trims the members older than the retention and
 * renews the index's TTL, so an index never outlives its newest event nor keeps
 * pointers to expired ones for long; a page skips any it still meets.
 */
import { Effect, Exit, Layer, type Scope } from "effect"
import { Event, EventCursor, EventStore, type EventType, type Ids } from "@herald/core"
import * as FanOutIndex from "./internal/FanOutIndex.js"
import * as JsonCodec from "./internal/JsonCodec.js"
import * as LuaScript from "./internal/LuaScript.js"
import { execute, RedisClient } from "./RedisClient.js"
import * as Retention from "./Retention.js"

/**
 * KEYS: event, pending marker, teamspace index, type index, then (when ARGV[5] is 2) the fan-out
 * index's active and ordered keys, then markers of fan-outs completed since, to delete.
 * ARGV: json, ttl seconds, sort key, sort key below which index entries expired, page keys (0 or
 * 2), then with page keys the page's min, max, limit and prefix length.
 * {existing record, 1 if dispatched else 0} when the id was taken; else nil once written, or,
 * with page keys, {'page', id, ordered, ...} or {'unread'} (the ordered set is incomplete).
 */
const appendEvent = FanOutIndex.pageFunction + `
local pageKeys = tonumber(ARGV[5])
for i = 5 + pageKeys, #KEYS do redis.call('DEL', KEYS[i]) end
local existing = redis.call('GET', KEYS[1])
if existing then return { existing, 1 - redis.call('EXISTS', KEYS[2]) } end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX')
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
for i = 3, 4 do
  redis.call('ZADD', KEYS[i], 0, ARGV[3])
  redis.call('ZREMRANGEBYLEX', KEYS[i], '-', '(' .. ARGV[4])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
if pageKeys == 0 then return false end
local page = fanOutPage(KEYS[5], KEYS[6], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
if not page then return { 'unread' } end
table.insert(page, 1, 'page')
return page
`

/**
 * How long a settled marker waits for an append to carry its deletion before a DEL of its own:
 * under load the next publish carries it; when idle, this is the window in which a repeated
 * publish of the event through another process finishes its fan-out again.
 */
export const WRITE_BEHIND_MS = 100

/** Settled markers one append deletes at most: its script stays short whatever piled up. */
const CARRIED_AT_MOST = 100

/** The event id inside a sort key (`<time>:<id>`; ids hold no colon). */
const idOfSortKey = (sortKey: string): Ids.EventId => sortKey.slice(sortKey.indexOf(":") + 1) as Ids.EventId

const descending = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0)

const codec = JsonCodec.make(Event.Event)

/**
 * How long events are kept (see `Retention`), and `readsFanOutPage`: offer `appendReading`, reading
 * the fan-out page `RedisSubscriptionStore` keeps on the same client. Only where the subscriptions
 * are on Redis too (`RedisLayer` sets it); elsewhere a page read here would find no targets.
 */
export interface Options extends Retention.Options {
  readonly readsFanOutPage?: boolean | undefined
}

/**
 * Builds the Redis `EventStore` with these options over the `RedisClient`; for composing it
 * yourself. Most callers want `layer`. The scope's close deletes the settled markers still pending.
 */
export const make = (options?: Options): Effect.Effect<EventStore.EventStoreShape, never, RedisClient | Scope.Scope> =>
  Effect.gen(function*() {
    const { prefix, redis } = yield* RedisClient
    const ttl = Retention.seconds(options)
    const key = (teamspace: Ids.TeamspaceId, id: Ids.EventId) => `${prefix}evt:${teamspace}:${id}`
    const pendingKey = (teamspace: Ids.TeamspaceId, id: Ids.EventId) => `${prefix}evt-pending:${teamspace}:${id}`
    const indexKey = (teamspace: Ids.TeamspaceId, type?: EventType.EventType) =>
      type === undefined ? `${prefix}evt-index:${teamspace}` : `${prefix}evt-index:${teamspace}:${type}`
    const append = LuaScript.define(redis, "heraldAppendEventV2", "any", appendEvent)

    // Markers of fan-outs completed, not yet deleted (see the module's comment).
    const settled = new Set<string>()
    let timer: ReturnType<typeof setTimeout> | undefined
    const takeSettled = (atMost: number): Array<string> => {
      const taken: Array<string> = []
      for (const marker of settled) {
        if (taken.length >= atMost) break
        taken.push(marker)
      }
      for (const marker of taken) settled.delete(marker)
      // Nothing left to wait for: the timer would only delete what a later append can carry.
      if (settled.size === 0 && timer !== undefined) {
        clearTimeout(timer)
        timer = undefined
      }
      return taken
    }
    // Once closed, a DEL is tried once and nothing is scheduled: the client is going away.
    let closed = false
    const deleteSettled = () => {
      const markers = takeSettled(settled.size)
      if (markers.length === 0) return Promise.resolve()
      // A failed DEL (Redis unreachable) is tried again later: the markers are not forgotten.
      return redis.del(...markers).then(() => undefined, () => closed || settle(markers))
    }
    const settle = (markers: ReadonlyArray<string>) => {
      for (const marker of markers) settled.add(marker)
      if (closed) void deleteSettled()
      else if (timer === undefined && settled.size > 0) {
        timer = setTimeout(deleteSettled, WRITE_BEHIND_MS)
        timer.unref()
      }
    }
    yield* Effect.addFinalizer(() =>
      Effect.promise(() => {
        closed = true
        clearTimeout(timer)
        timer = undefined
        return deleteSettled()
      })
    )

    /**
     * Runs the append script for `calls`: each deletes its own event's marker if it is settled (so a
     * repeated publish through this store is dispatched, however many are settled), the first also
     * up to `CARRIED_AT_MOST` others; put back if it fails.
     */
    const appendCarrying = (calls: ReadonlyArray<LuaScript.Call>) => {
      const carried: Array<string> = []
      const withOwn = calls.map((call) => {
        const own = call.keys[1]!
        if (!settled.delete(own)) return call
        carried.push(own)
        return { keys: [...call.keys, own], args: call.args }
      })
      const others = calls.length === 0 ? [] : takeSettled(CARRIED_AT_MOST)
      carried.push(...others)
      const [first, ...rest] = withOwn
      const withCarried = first === undefined ? withOwn : [{ keys: [...first.keys, ...others], args: first.args }, ...rest]
      return append.all(withCarried).pipe(Effect.onExit((exit) => Effect.sync(() => Exit.isFailure(exit) && settle(carried))))
    }

    /** The append script's keys and arguments for `event`, reading its first page when `page` is given. */
    const appendCall = (event: Event.Event, page?: { readonly limit: number }) =>
      Effect.map(codec.encode(event), (json): LuaScript.Call => {
        const keys = [
          key(event.teamspace, event.id),
          pendingKey(event.teamspace, event.id),
          indexKey(event.teamspace),
          indexKey(event.teamspace, event.type)
        ]
        const args = [json, ttl, EventCursor.sortKey(event), EventCursor.timeSortKey(event.createdAt - ttl * 1000)]
        return page === undefined
          ? { keys, args: [...args, 0] }
          : {
            keys: [...keys, ...FanOutIndex.pageKeys(prefix, event.teamspace)],
            args: [...args, 2, ...FanOutIndex.pageArgs(event.type, { limit: page.limit + 1 })]
          }
      })

    /** What the append script's reply says. */
    const appended = (reply: unknown): Effect.Effect<EventStore.AppendReadingResult> => {
      if (!Array.isArray(reply)) return Effect.succeed({ _tag: "Appended", page: undefined })
      if (reply[0] === "page") return Effect.succeed({ _tag: "Appended", page: FanOutIndex.targets(reply, 1) })
      if (reply[0] === "unread") return Effect.succeed({ _tag: "Appended", page: undefined })
      return Effect.map(codec.decode(reply[0] as string), (existing) => ({ _tag: "Exists", existing, dispatched: reply[1] === 1 }))
    }
    const withoutPage = (result: EventStore.AppendReadingResult): EventStore.AppendResult =>
      result._tag === "Appended" ? { _tag: "Appended" } : result

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

    const appendOne = (event: Event.Event, page?: { readonly limit: number }) =>
      appendCall(event, page).pipe(
        Effect.flatMap((call) => appendCarrying([call])),
        Effect.flatMap(([reply]) => appended(reply))
      )

    return {
      append: (event) => Effect.map(appendOne(event), withoutPage),
      ...(options?.readsFanOutPage === true ? { appendReading: appendOne } : {}),
      appendAll: (events) =>
        Effect.forEach(events, (event) => appendCall(event)).pipe(
          Effect.flatMap(appendCarrying),
          Effect.flatMap((replies) => Effect.forEach(replies, (reply) => Effect.map(appended(reply), withoutPage)))
        ),
      markDispatchedAll: (teamspace, ids) => Effect.sync(() => settle(ids.map((id) => pendingKey(teamspace, id)))),
      markDispatched: (teamspace, id) => Effect.sync(() => settle([pendingKey(teamspace, id)])),
      list,
      get: (teamspace, id) =>
        execute("GET", () => redis.get(key(teamspace, id))).pipe(
          Effect.flatMap((raw) => raw === null ? Effect.succeedNone : Effect.asSome(codec.decode(raw)))
        )
    }
  })

/**
 * Provides `EventStore` on Redis with these options; needs a `RedisClient`. `RedisLayer.layer`
 * includes it. Events expire after the retention (30 days by default). Redis failures are defects
 * (a `RedisError`), so the port's operations never fail.
 */
export const layer = (options?: Options): Layer.Layer<EventStore.EventStore, never, RedisClient> =>
  Layer.scoped(EventStore.EventStore, make(options))
