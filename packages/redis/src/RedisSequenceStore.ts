/**
 * SequenceStore on Redis: `wh-seq:{teamspace}:{id}` is a sorted set of waiting
 * event ids scored by arrival (one more than the highest score), so membership
 * is O(1) and the head is the lowest score. Each operation is one script. The key
 * expires after the retention period of inactivity, like the events it names.
 */
import { Effect, Layer, Option } from "effect"
import { type Ids, SequenceStore } from "@herald/core"
import * as LuaScript from "./internal/LuaScript.js"
import { RedisClient } from "./RedisClient.js"
import * as Retention from "./Retention.js"

/** KEYS: sequence. ARGV: ttl seconds, event ids... The head after appending. */
const enter = `
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local n = tonumber(last[2] or '0')
for i = 2, #ARGV do
  if redis.call('ZADD', KEYS[1], 'NX', n + 1, ARGV[i]) == 1 then n = n + 1 end
end
if n > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return redis.call('ZRANGE', KEYS[1], 0, 0)[1] or false
`

/** KEYS: sequence. ARGV: event id. The head after removing the event if it was the head. */
const advance = `
local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
if head == ARGV[1] then
  redis.call('ZREM', KEYS[1], head)
  head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
end
return head or false
`

/** KEYS: sequence. Every waiting event, in order; the sequence is then empty. */
const drain = `
local waiting = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return waiting
`

const head = (reply: unknown): Option.Option<Ids.EventId> =>
  typeof reply === "string" ? Option.some(reply as Ids.EventId) : Option.none()

/** How long a sequence is kept after it last changed (see `Retention`). */
export type Options = Retention.Options

/**
 * Builds the Redis `SequenceStore` with these retention options over the `RedisClient`; for
 * composing it yourself. Most callers want `layer`.
 */
export const make = (options?: Options): Effect.Effect<SequenceStore.SequenceStoreShape, never, RedisClient> =>
  Effect.gen(function*() {
    const { prefix, redis } = yield* RedisClient
    const ttl = Retention.seconds(options)
    const key = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) => `${prefix}wh-seq:${teamspace}:${id}`
    const runEnter = LuaScript.define(redis, "heraldSequenceEnter", 1, enter)
    const runAdvance = LuaScript.define(redis, "heraldSequenceAdvance", 1, advance)
    const runDrain = LuaScript.define(redis, "heraldSequenceDrain", 1, drain)
    return {
      enter: (teamspace, id, eventIds) => Effect.map(runEnter([key(teamspace, id)], [ttl, ...eventIds]), head),
      advance: (teamspace, id, eventId) => Effect.map(runAdvance([key(teamspace, id)], [eventId]), head),
      drain: (teamspace, id) =>
        Effect.map(runDrain([key(teamspace, id)], []), (reply) => reply as ReadonlyArray<Ids.EventId>)
    }
  })

/**
 * Provides `SequenceStore` on Redis with these retention options; needs a `RedisClient`.
 * `RedisLayer.layer` includes it. Redis failures are defects (a `RedisError`), so the port's
 * operations never fail.
 */
export const layer = (options?: Options): Layer.Layer<SequenceStore.SequenceStore, never, RedisClient> =>
  Layer.effect(SequenceStore.SequenceStore, make(options))
