// Retention: events expire after the configured TTL (real time, polled).
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { EventStore } from "@herald/core"
import { RedisClient, RedisEventStore, Retention } from "@herald/redis"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useRedis } from "./RedisTestServer.js"

describe.skipIf(!available)(`RedisEventStore ${skipReason}`, () => {
  const { client } = useRedis()

  it.live("an event appended with a 1 s retention is gone once it expires", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const teamspace = Fixtures.teamspace()
      const event = Fixtures.event({ teamspace })
      expect(yield* store.append(event)).toEqual({ _tag: "Appended" })
      expect(Option.isSome(yield* store.get(teamspace, event.id))).toBe(true)
      yield* Fixtures.eventually("the event to expire", Effect.map(store.get(teamspace, event.id), Option.isNone))
      // Expired means gone: the id can be published again.
      expect(yield* store.append(event)).toEqual({ _tag: "Appended" })
    }).pipe(Effect.provide(Layer.provide(RedisEventStore.layer({ retentionSeconds: 1 }), client))))

  it.live("by default events are kept 30 days", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const { prefix, redis } = yield* RedisClient.RedisClient
      const event = Fixtures.event({ teamspace: Fixtures.teamspace() })
      yield* store.append(event)
      const ttl = yield* Effect.promise(() => redis.ttl(`${prefix}evt:${event.teamspace}:${event.id}`))
      expect(ttl).toBeGreaterThan(Retention.defaultRetentionSeconds - 60)
      expect(ttl).toBeLessThanOrEqual(Retention.defaultRetentionSeconds)
    }).pipe(Effect.provide(Layer.provideMerge(RedisEventStore.layer(), client))))

  it.live("a dispatched event leaves only its record and index entries: the pending marker is gone", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      const event = Fixtures.event({ teamspace })
      const keysOf = () => Effect.promise(() => redis.keys(`${prefix}evt*:${teamspace}*`)).pipe(Effect.map((keys) => keys.sort()))
      yield* store.append(event)
      const pending = `${prefix}evt-pending:${teamspace}:${event.id}`
      expect(yield* keysOf()).toContain(pending)
      yield* store.markDispatched(teamspace, event.id)
      expect(yield* keysOf()).toEqual([
        `${prefix}evt-index:${teamspace}`,
        `${prefix}evt-index:${teamspace}:${event.type}`,
        `${prefix}evt:${teamspace}:${event.id}`
      ].sort())
    }).pipe(Effect.provide(Layer.provideMerge(RedisEventStore.layer(), client))))

  it.live("a batch is one round trip: appendAll pipelines its appends in one write, markDispatchedAll is one DEL", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const { redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      // The first call loads the script; counted from the second on.
      yield* store.appendAll([Fixtures.event({ teamspace })])
      const stream = (redis as unknown as { readonly stream: { write: (...args: Array<unknown>) => boolean } }).stream
      const write = stream.write
      let writes = 0
      stream.write = (...args) => {
        writes++
        return write.apply(stream, args)
      }
      try {
        const events = Array.from({ length: 20 }, () => Fixtures.event({ teamspace }))
        const results = yield* store.appendAll(events)
        expect(results.every((result) => result._tag === "Appended")).toBe(true)
        expect(writes).toBe(1)
        yield* store.markDispatchedAll(teamspace, events.map((event) => event.id))
        expect(writes).toBe(2)
        const again = yield* store.appendAll(events)
        expect(again.every((result) => result._tag === "Exists" && result.dispatched)).toBe(true)
        expect(writes).toBe(3)
      } finally {
        stream.write = write
      }
    }).pipe(Effect.provide(Layer.provideMerge(RedisEventStore.layer(), client))))

  it.live("the retention (HERALD_RETENTION) sets the events' TTL", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const { prefix, redis } = yield* RedisClient.RedisClient
      const event = Fixtures.event({ teamspace: Fixtures.teamspace() })
      yield* store.append(event)
      const ttl = yield* Effect.promise(() => redis.ttl(`${prefix}evt:${event.teamspace}:${event.id}`))
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(7_200)
    }).pipe(
      Effect.provide(Layer.provideMerge(RedisEventStore.layer({ retentionSeconds: 7_200 }), client))
    ))

  it.live("the listing indexes drop entries past the retention, expire with it, and a page skips an expired event", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      const hour = 3_600_000
      const old = Fixtures.event({ teamspace, time: Fixtures.baseTime })
      const middle = Fixtures.event({ teamspace, time: Fixtures.baseTime + hour / 2 })
      const recent = Fixtures.event({ teamspace, time: Fixtures.baseTime + hour + 1 })
      yield* Effect.forEach([old, middle, recent], (event) => store.append(event))
      const index = `${prefix}evt-index:${teamspace}`
      const typeIndex = `${prefix}evt-index:${teamspace}:${old.type}`
      // Appending `recent` trimmed `old`, created more than the retention before it.
      for (const key of [index, typeIndex]) {
        expect(yield* Effect.promise(() => redis.zcard(key))).toBe(2)
        const ttl = yield* Effect.promise(() => redis.ttl(key))
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(3_600)
      }
      yield* Effect.promise(() => redis.del(`${prefix}evt:${teamspace}:${middle.id}`))
      const page = yield* store.list({ teamspace, limit: 10 })
      expect(page.map((event) => event.id)).toEqual([recent.id])
    }).pipe(Effect.provide(Layer.provideMerge(RedisEventStore.layer({ retentionSeconds: 3_600 }), client))))
})
