/**
 * IdempotencyStore on Redis: `idempotency:{scopeKey}` is a hash holding either
 * a reservation (state, fingerprint, token, expiresAt) or a completed response
 * (state, fingerprint, response as Schema-encoded JSON, expiresAt). Each
 * operation is one script, so of concurrent `begin`s, across processes, exactly
 * one reserves.
 *
 * Expiry is decided by `expiresAt`, written from the caller's Effect `Clock` and
 * compared with the caller's "now" (see the port); PEXPIRE with the same TTL
 * only reclaims the memory.
 */
import { randomUUID } from "node:crypto"
import { Clock, Effect, Layer } from "effect"
import { IdempotencyStore } from "@herald/core"
import * as JsonCodec from "./internal/JsonCodec.js"
import * as LuaScript from "./internal/LuaScript.js"
import { RedisClient } from "./RedisClient.js"

const codec = JsonCodec.make(IdempotencyStore.StoredResponse)

/** A record whose expiresAt has passed counts as absent, whatever Redis still holds. */
const live = `
local function live(record, now)
  return record[1] ~= false and tonumber(record[2]) > tonumber(now)
end
`

/**
 * KEYS: record. ARGV: now, fingerprint, token, expiresAt, ttl ms.
 * {'reserved'} | {'in-progress'} | {'completed', response} | {'mismatch'}.
 */
const beginScript = `${live}
local record = redis.call('HMGET', KEYS[1], 'state', 'expiresAt', 'fingerprint', 'response')
if live(record, ARGV[1]) then
  if record[3] ~= ARGV[2] then return { 'mismatch' } end
  if record[1] == 'completed' then return { 'completed', record[4] } end
  return { 'in-progress' }
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'reserved', 'fingerprint', ARGV[2], 'token', ARGV[3], 'expiresAt', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return { 'reserved' }
`

/**
 * KEYS: record. ARGV: now, token, fingerprint, response, expiresAt, ttl ms.
 * 1 when stored; 0 when another live record holds the key.
 */
const completeScript = `${live}
local record = redis.call('HMGET', KEYS[1], 'state', 'expiresAt', 'token')
if live(record, ARGV[1]) and not (record[1] == 'reserved' and record[3] == ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'completed', 'fingerprint', ARGV[3], 'response', ARGV[4], 'expiresAt', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
`

/** KEYS: record. ARGV: token. Deletes the record if it is that token's reservation. */
const releaseScript = `
local record = redis.call('HMGET', KEYS[1], 'state', 'token')
if record[1] == 'reserved' and record[2] == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

/**
 * Builds the Redis `IdempotencyStore` over the `RedisClient`; for composing it yourself. Most
 * callers want `layer`.
 */
export const make: Effect.Effect<IdempotencyStore.IdempotencyStoreShape, never, RedisClient> = Effect.gen(
  function*() {
    const { prefix, redis } = yield* RedisClient
    const key = (scopeKey: string) => `${prefix}idempotency:${scopeKey}`
    const begin = LuaScript.define(redis, "heraldIdempotencyBegin", 1, beginScript)
    const complete = LuaScript.define(redis, "heraldIdempotencyComplete", 1, completeScript)
    const release = LuaScript.define(redis, "heraldIdempotencyRelease", 1, releaseScript)
    return {
      begin: (scopeKey, fingerprint, reservationTtlMs) =>
        Effect.gen(function*() {
          const ttl = yield* IdempotencyStore.ttlMillis(reservationTtlMs)
          const now = yield* Clock.currentTimeMillis
          const token = randomUUID()
          const reply = yield* begin([key(scopeKey)], [now, fingerprint, token, now + ttl, ttl])
          const [outcome, response] = reply as [string, string | undefined]
          switch (outcome) {
            case "reserved":
              return { _tag: "Reserved", token } as const
            case "in-progress":
              return { _tag: "InProgress" } as const
            case "completed":
              return { _tag: "Completed", response: yield* codec.decode(response ?? "") } as const
            case "mismatch":
              return { _tag: "Mismatch" } as const
            default:
              return yield* Effect.dieMessage(`unexpected idempotency begin reply: ${outcome}`)
          }
        }),
      complete: (scopeKey, token, fingerprint, response, ttlMs) =>
        Effect.gen(function*() {
          const ttl = yield* IdempotencyStore.ttlMillis(ttlMs)
          const now = yield* Clock.currentTimeMillis
          const json = yield* codec.encode(response)
          const stored = yield* complete([key(scopeKey)], [now, token, fingerprint, json, now + ttl, ttl])
          return stored === 1
        }),
      release: (scopeKey, token) => Effect.asVoid(release([key(scopeKey)], [token]))
    }
  }
)

/**
 * Provides `IdempotencyStore` on Redis; needs a `RedisClient`. `RedisLayer.layer` includes it.
 * Redis failures are defects (a `RedisError`), so the port's operations never fail.
 */
export const layer: Layer.Layer<IdempotencyStore.IdempotencyStore, never, RedisClient> = Layer.effect(
  IdempotencyStore.IdempotencyStore,
  make
)
