/**
 * EventTypeStore on Redis: `eventtypes:{teamspace}` is a hash of the
 * teamspace's definitions, field `{profile}:{name}` (a profile's name has no
 * `:`, so the field is unambiguous) holding the Schema-encoded definition. A
 * teamspace holds few definitions, so `list` reads the hash whole (HGETALL) and
 * sorts it. `insert` is HSETNX; `update` a script that writes the field only if
 * it still holds the previous record (compare-and-set). Each touches one key, under the client's hash-tagged prefix, so all
 * is valid on Redis Cluster.
 */
import { Effect, Layer } from "effect"
import { EventTypeStore, type Ids } from "@herald/core"
import * as JsonCodec from "./internal/JsonCodec.js"
import * as LuaScript from "./internal/LuaScript.js"
import { execute, RedisClient } from "./RedisClient.js"

const codec = JsonCodec.make(EventTypeStore.EventTypeDefinition)

/**
 * KEYS: the teamspace's hash. ARGV: field, previous json, json. 1 if the field held the previous
 * json (and was replaced); 0, writing nothing, if it is absent or holds another.
 */
const updateScript = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
`

const fieldOf = (definition: EventTypeStore.EventTypeDefinition) => `${definition.profile}:${definition.name}`

/**
 * Builds the Redis `EventTypeStore` over the `RedisClient`; for composing it yourself. Most callers
 * want `layer`.
 */
export const make: Effect.Effect<EventTypeStore.EventTypeStoreShape, never, RedisClient> = Effect.gen(function*() {
  const { prefix, redis } = yield* RedisClient
  const teamspaceKey = (teamspace: Ids.TeamspaceId) => `${prefix}eventtypes:${teamspace}`
  const runUpdate = LuaScript.define(redis, "heraldEventTypeUpdate", 1, updateScript)

  return {
    list: (teamspace) =>
      execute("HGETALL", () => redis.hgetall(teamspaceKey(teamspace))).pipe(
        Effect.flatMap((fields) => Effect.forEach(Object.values(fields), codec.decode)),
        Effect.map((definitions) => definitions.sort(EventTypeStore.order))
      ),
    insert: (definition) =>
      codec.encode(definition).pipe(
        Effect.flatMap((json) =>
          execute("HSETNX", () => redis.hsetnx(teamspaceKey(definition.teamspace), fieldOf(definition), json))
        ),
        Effect.map((set) => set === 1)
      ),
    update: (definition, previous) =>
      Effect.all([codec.encode(previous), codec.encode(definition)]).pipe(
        Effect.flatMap(([previousJson, json]) =>
          runUpdate([teamspaceKey(definition.teamspace)], [fieldOf(definition), previousJson, json])
        ),
        Effect.map((replaced) => Number(replaced) === 1)
      )
  }
})

/**
 * Provides `EventTypeStore` on Redis; needs a `RedisClient`. `RedisLayer.layer` includes it. Redis
 * failures are defects (a `RedisError`), so the port's operations never fail.
 */
export const layer: Layer.Layer<EventTypeStore.EventTypeStore, never, RedisClient> = Layer.effect(
  EventTypeStore.EventTypeStore,
  make
)
