// What the conformance suite leaves to the Redis adapter: the limit holds across
// processes (separate connections), and a window's key lives under the prefix
// and goes away on its own (real time, polled).
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { RedisClient, RedisRateLimiter } from "@herald/redis"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useRedis } from "./RedisTestServer.js"

describe.skipIf(!available)(`RedisRateLimiter ${skipReason}`, () => {
  const { current } = useRedis()
  /** A connection of its own, as another API process would have. */
  const connect = Effect.suspend(() => RedisClient.make({ url: current().url, prefix: `{${current().prefix}}` }))
  const limiterOn = (client: RedisClient.RedisClientShape) =>
    Effect.provideService(RedisRateLimiter.make, RedisClient.RedisClient, client)

  it.scopedLive("several processes on one Redis share one limit", () =>
    Effect.gen(function*() {
      const clients = yield* Effect.all([connect, connect, connect])
      const limiters = yield* Effect.forEach(clients, limiterOn)
      const key = `${Fixtures.teamspace()}:POST /v1/events`
      const rule = { limit: 10, windowMs: 60_000 }
      const decisions = yield* Effect.all(
        Array.from({ length: 60 }, (_, i) => limiters[i % limiters.length]!.consume(key, rule)),
        { concurrency: "unbounded" }
      )
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10)
    }))

  it.scopedLive("a window is one key under the prefix that expires one window after its newest request", () =>
    Effect.gen(function*() {
      const client = yield* connect
      const limiter = yield* limiterOn(client)
      const key = `${Fixtures.teamspace()}:webhook`
      const redisKey = `${client.prefix}ratelimit:${key}`
      yield* limiter.consume(key, { limit: 5, windowMs: 60_000 })
      const ttl = yield* Effect.promise(() => client.redis.pttl(redisKey))
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(60_000)
      expect(yield* Effect.promise(() => client.redis.zcard(redisKey))).toBe(1)

      const brief = `${key}:brief`
      yield* limiter.consume(brief, { limit: 5, windowMs: 200 })
      yield* Fixtures.eventually(
        "the window key to expire",
        Effect.map(Effect.promise(() => client.redis.exists(`${client.prefix}ratelimit:${brief}`)), (n) => n === 0)
      )
    }))
})
