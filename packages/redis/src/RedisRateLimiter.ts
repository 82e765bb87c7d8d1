/**
 * RateLimiter on Redis: `ratelimit:{key}` is a sorted set of the requests
 * allowed in the current window, scored by their time. One script prunes the
 * requests that left the window, counts the rest and adds this one only if it
 * fits, so any number of API processes on one Redis share the limit exactly.
 * The set expires one window after its newest request, when it would be empty
 * anyway, so idle keys cost nothing.
 *
 * "Now" comes from the caller's Effect `Clock` (see the port): the script takes
 * it, and the cutoff, as arguments and never reads the server's time.
 */
import { randomBytes } from "node:crypto"
import { Clock, Effect, Layer } from "effect"
import { RateLimiter } from "@herald/core"
import * as LuaScript from "./internal/LuaScript.js"
import { RedisClient } from "./RedisClient.js"

/**
 * KEYS: window. ARGV: now, cutoff (now - window ms), limit, window ms, member, cost (slots taken, all or none:
 * a batch's events; a cost of n adds n members, the member suffixed with each slot's number).
 * {allowed 0|1, count after, score of the request whose ageing out frees a slot}.
 * Members are unique per request: requests of one millisecond must not collapse
 * into one entry. A refused request adds nothing and leaves the expiry alone.
 */
const consumeScript = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local count = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[3])
local cost = tonumber(ARGV[6])
local allowed = 0
if count + cost <= limit then
  if cost == 1 then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
  else
    for slot = 1, cost do redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5] .. ':' .. slot) end
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  count = count + cost
  allowed = 1
end
local index = 0
if allowed == 0 then index = math.min(count - 1, math.max(0, count + cost - limit - 1)) end
local freeing = redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')
return { allowed, count, freeing[2] or ARGV[1] }
`

/**
 * KEYS: schedule. ARGV: now, cutoff, limit, window ms, holder.
 * Milliseconds until the holder's slot: the one it holds, else a new one (see
 * `RateLimiter.nextSlot`), recorded with the holder as the member.
 */
const reserveScript = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local now = tonumber(ARGV[1])
local held = redis.call('ZSCORE', KEYS[1], ARGV[5])
if held then return math.max(0, tonumber(held) - now) end
local count = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local slot = now
if count >= limit then
  local freeing = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  slot = math.max(now, tonumber(freeing[2]) + window)
end
redis.call('ZADD', KEYS[1], slot, ARGV[5])
redis.call('PEXPIRE', KEYS[1], slot - now + window)
return slot - now
`

/**
 * Builds the Redis `RateLimiter` over the `RedisClient`; for composing it yourself. Most callers
 * want `layer`.
 */
export const make: Effect.Effect<RateLimiter.RateLimiterShape, never, RedisClient> = Effect.gen(function*() {
  const { prefix, redis } = yield* RedisClient
  // Members must be unique across every process sharing the limit: this process's
  // random tag plus a counter (random bytes per request cost more than the rest of the call).
  const tag = randomBytes(6).toString("hex")
  let sequence = 0
  const run = LuaScript.define(redis, "heraldRateLimitConsume", 1, consumeScript)
  const runReserve = LuaScript.define(redis, "heraldRateLimitReserve", 1, reserveScript)
  return {
    reserve: (key, rule, holder) =>
      Effect.gen(function*() {
        yield* RateLimiter.validateRule(rule)
        const now = yield* Clock.currentTimeMillis
        const reply = yield* runReserve([`${prefix}ratelimit:${key}`], [now, now - rule.windowMs, rule.limit, rule.windowMs, holder])
        return Number(reply)
      }),
    consume: (key, rule, cost) =>
      Effect.gen(function*() {
        yield* RateLimiter.validateRule(rule)
        const now = yield* Clock.currentTimeMillis
        // The time orders the entries; the tag and counter keep same-millisecond requests apart.
        const member = `${now}:${tag}:${(sequence++).toString(36)}`
        const reply = yield* run([`${prefix}ratelimit:${key}`], [
          now,
          now - rule.windowMs,
          rule.limit,
          rule.windowMs,
          member,
          RateLimiter.slots(cost)
        ])
        const [allowed, count, freeing] = reply as [number, number, string]
        return RateLimiter.decide(rule, now, {
          allowed: allowed === 1,
          count,
          slotFreesAt: Number(freeing) + rule.windowMs
        })
      })
  }
})

/**
 * Provides `RateLimiter` on Redis; needs a `RedisClient`. `RedisLayer.layer` includes it. Redis
 * failures are defects (a `RedisError`), so the port's operations never fail.
 */
export const layer: Layer.Layer<RateLimiter.RateLimiter, never, RedisClient> = Layer.effect(
  RateLimiter.RateLimiter,
  make
)
