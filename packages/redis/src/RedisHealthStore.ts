/**
 * HealthStore on Redis: `wh-health:{teamspace}:{id}` is a hash (failingSince,
 * failures), updated by one script so concurrent workers count exactly. It
 * expires after the retention period, so streaks of deleted webhooks go too.
 * A logged success ends a streak too: `RedisAttemptLog` deletes this key in
 * the script that logs it (see `streakKey`).
 */
import { Effect, Layer } from "effect"
import { HealthStore, type Ids } from "@herald/core"
import * as LuaScript from "./internal/LuaScript.js"
import { execute, RedisClient } from "./RedisClient.js"
import * as Retention from "./Retention.js"

/** KEYS: streak. ARGV: at, ttl seconds. {failingSince, failures}. */
const recordFailure = `
redis.call('HSETNX', KEYS[1], 'failingSince', ARGV[1])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return { tonumber(redis.call('HGET', KEYS[1], 'failingSince')), failures }
`

/** How long a failure streak is kept after its last failure (see `Retention`). */
export type Options = Retention.Options

/** A webhook's streak; shared with `RedisAttemptLog`, whose record of a success deletes it. */
export const streakKey = (prefix: string, teamspace: Ids.TeamspaceId, id: Ids.WebhookId): string =>
  `${prefix}wh-health:${teamspace}:${id}`

/**
 * Builds the Redis `HealthStore` with these retention options over the `RedisClient`; for composing
 * it yourself. Most callers want `layer`.
 */
export const make = (options?: Options): Effect.Effect<HealthStore.HealthStoreShape, never, RedisClient> =>
  Effect.gen(function*() {
    const { prefix, redis } = yield* RedisClient
    const ttl = Retention.seconds(options)
    const key = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) => streakKey(prefix, teamspace, id)
    const record = LuaScript.define(redis, "heraldRecordFailure", 1, recordFailure)
    return {
      recordFailure: (teamspace, id, at) =>
        Effect.map(record([key(teamspace, id)], [at, ttl]), (reply) => {
          const [failingSince, failures] = reply as [number, number]
          return { failingSince, failures }
        }),
      reset: (teamspace, id) => Effect.asVoid(execute("DEL", () => redis.del(key(teamspace, id))))
    }
  })

/**
 * Provides `HealthStore` on Redis with these retention options; needs a `RedisClient`.
 * `RedisLayer.layer` includes it. Redis failures are defects (a `RedisError`), so the port's
 * operations never fail.
 */
export const layer = (options?: Options): Layer.Layer<HealthStore.HealthStore, never, RedisClient> =>
  Layer.effect(HealthStore.HealthStore, make(options))
