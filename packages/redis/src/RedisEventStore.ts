/**
 * EventStore on Redis: `evt:{teamspace}:{id}` holds the Schema-encoded event,
 * so one id in two teamspaces is two events. `append` is one Lua script (read,
 * then SET ... NX with the retention TTL): of concurrent appends exactly one
 * writes, and every other gets the stored winner back in the same round trip,
 * with no window in which the key could expire between a failed SET and a GET.
 * `evt-dispatched:{teamspace}:{id}` marks a completed fan-out, with the same TTL.
 */
import { type ConfigError, Effect, Layer } from "effect"
import { Event, EventStore, type Ids } from "@herald/core"
import * as JsonCodec from "./internal/JsonCodec.js"
import * as LuaScript from "./internal/LuaScript.js"
import { execute, RedisClient } from "./RedisClient.js"
import * as Retention from "./Retention.js"

/**
 * KEYS: event, dispatched marker. ARGV: json, ttl seconds.
 * {existing record, 1 if dispatched else 0}, or nil once written.
 */
const appendEvent = `
local existing = redis.call('GET', KEYS[1])
if existing then return { existing, redis.call('EXISTS', KEYS[2]) } end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX')
return false
`

const codec = JsonCodec.make(Event.Event)

export type Options = Retention.Options

export const make = (options?: Options): Effect.Effect<EventStore.EventStoreShape, never, RedisClient> =>
  Effect.gen(function*() {
    const { prefix, redis } = yield* RedisClient
    const ttl = Retention.seconds(options)
    const key = (teamspace: Ids.TeamspaceId, id: Ids.EventId) => `${prefix}evt:${teamspace}:${id}`
    const dispatchedKey = (teamspace: Ids.TeamspaceId, id: Ids.EventId) =>
      `${prefix}evt-dispatched:${teamspace}:${id}`
    const append = LuaScript.define(redis, "heraldAppendEvent", 2, appendEvent)

    return {
      append: (event) =>
        codec.encode(event).pipe(
          Effect.flatMap((json) =>
            append([key(event.teamspace, event.id), dispatchedKey(event.teamspace, event.id)], [json, ttl])
          ),
          Effect.flatMap((reply): Effect.Effect<EventStore.AppendResult> =>
            Array.isArray(reply) && typeof reply[0] === "string"
              ? Effect.map(codec.decode(reply[0]), (existing) => ({
                _tag: "Exists",
                existing,
                dispatched: reply[1] === 1
              }))
              : Effect.succeed({ _tag: "Appended" })
          )
        ),
      markDispatched: (teamspace, id) =>
        execute("SET", () => redis.set(dispatchedKey(teamspace, id), "1", "EX", ttl)).pipe(Effect.asVoid),
      get: (teamspace, id) =>
        execute("GET", () => redis.get(key(teamspace, id))).pipe(
          Effect.flatMap((raw) => raw === null ? Effect.succeedNone : Effect.asSome(codec.decode(raw)))
        )
    }
  })

export const layer = (options?: Options): Layer.Layer<EventStore.EventStore, never, RedisClient> =>
  Layer.effect(EventStore.EventStore, make(options))

/** Retention from `HERALD_RETENTION` (default 30 days). */
export const layerConfig: Layer.Layer<EventStore.EventStore, ConfigError.ConfigError, RedisClient> =
  Layer.effect(EventStore.EventStore, Effect.flatMap(Retention.config, make))
