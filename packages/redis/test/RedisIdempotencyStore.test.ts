// What the conformance suite leaves to the Redis adapter: one owner across
// processes (separate connections), and records under the prefix that Redis
// itself expires with the reservation's or the response's TTL (real time, polled).
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { IdempotencyStore } from "@herald/core"
import { RedisClient, RedisIdempotencyStore } from "@herald/redis"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useRedis } from "./RedisTestServer.js"

describe.skipIf(!available)(`RedisIdempotencyStore ${skipReason}`, () => {
  const { current } = useRedis()
  /** A connection of its own, as another API process would have. */
  const connect = Effect.suspend(() => RedisClient.make({ url: current().url, prefix: `{${current().prefix}}` }))
  const storeOn = (client: RedisClient.RedisClientShape) =>
    Effect.provideService(RedisIdempotencyStore.make, RedisClient.RedisClient, client)
  const response = new IdempotencyStore.StoredResponse({ status: 201, headers: {}, body: "{}" })

  it.scopedLive("of concurrent begins from several processes exactly one reserves", () =>
    Effect.gen(function*() {
      const stores = yield* Effect.forEach(yield* Effect.all([connect, connect, connect]), storeOn)
      const key = `${Fixtures.teamspace()}:retry-me`
      const results = yield* Effect.all(
        Array.from({ length: 30 }, (_, i) => stores[i % stores.length]!.begin(key, "fp", 60_000)),
        { concurrency: "unbounded" }
      )
      expect(results.filter((result) => result._tag === "Reserved")).toHaveLength(1)
    }))

  it.scopedLive("a record is one key under the prefix, expiring with the reservation, then with the response", () =>
    Effect.gen(function*() {
      const client = yield* connect
      const store = yield* storeOn(client)
      const key = `${Fixtures.teamspace()}:key`
      const redisKey = `${client.prefix}idempotency:${key}`
      const begun = yield* store.begin(key, "fp", 60_000)
      const reservationTtl = yield* Effect.promise(() => client.redis.pttl(redisKey))
      expect(reservationTtl).toBeGreaterThan(0)
      expect(reservationTtl).toBeLessThanOrEqual(60_000)
      if (begun._tag !== "Reserved") throw new Error(`expected Reserved, got ${begun._tag}`)
      expect(yield* store.complete(key, begun.token, "fp", response, IdempotencyStore.defaultResponseTtlMs)).toBe(true)
      const responseTtl = yield* Effect.promise(() => client.redis.pttl(redisKey))
      expect(responseTtl).toBeGreaterThan(60_000)
      expect(responseTtl).toBeLessThanOrEqual(IdempotencyStore.defaultResponseTtlMs)
      // Released or not, a crashed owner's reservation goes by itself.
      const crashed = `${key}:crashed`
      yield* store.begin(crashed, "fp", 200)
      yield* Fixtures.eventually(
        "the reservation to expire",
        Effect.map(Effect.promise(() => client.redis.exists(`${client.prefix}idempotency:${crashed}`)), (n) => n === 0)
      )
      expect((yield* store.begin(crashed, "fp", 60_000))._tag).toBe("Reserved")
    }))
})
