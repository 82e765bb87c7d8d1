// Retention: events expire after the configured TTL (real time, polled).
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { EventStore, SubscriptionStore } from "@herald/core"
import { RedisClient, RedisEventStore, RedisSubscriptionStore, Retention } from "@herald/redis"
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

  /** Counts the writes the client makes to its socket (a pipeline is one) while `body` runs. */
  const countingWrites = <A, E, R>(body: (writes: () => number) => Effect.Effect<A, E, R>) =>
    Effect.flatMap(RedisClient.RedisClient, ({ redis }) => {
      const stream = (redis as unknown as { readonly stream: { write: (...args: Array<unknown>) => boolean } }).stream
      const write = stream.write
      let writes = 0
      stream.write = (...args) => {
        writes++
        return write.apply(stream, args)
      }
      return Effect.ensuring(body(() => writes), Effect.sync(() => (stream.write = write)))
    })

  it.live("a dispatched event leaves only its record and index entries: its marker is deleted behind, within WRITE_BEHIND_MS", () =>
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
      yield* Effect.sleep(RedisEventStore.WRITE_BEHIND_MS * 3)
      expect(yield* keysOf()).toEqual([
        `${prefix}evt-index:${teamspace}`,
        `${prefix}evt-index:${teamspace}:${event.type}`,
        `${prefix}evt:${teamspace}:${event.id}`
      ].sort())
    }).pipe(Effect.provide(Layer.provideMerge(RedisEventStore.layer(), client))))

  it.live("the next append carries the settled markers' deletion: no round trip of their own, and a repeat through the store is dispatched at once", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      const [first, second] = [Fixtures.event({ teamspace }), Fixtures.event({ teamspace })]
      yield* store.append(first)
      yield* countingWrites((writes) =>
        Effect.gen(function*() {
          yield* store.markDispatched(teamspace, first.id)
          expect(writes()).toBe(0)
          expect(yield* store.append(second)).toEqual({ _tag: "Appended" })
          expect(writes()).toBe(1)
        })
      )
      expect(yield* Effect.promise(() => redis.exists(`${prefix}evt-pending:${teamspace}:${first.id}`))).toBe(0)
      yield* store.markDispatched(teamspace, second.id)
      const again = yield* store.append(second)
      expect(again._tag === "Exists" && again.dispatched).toBe(true)
    }).pipe(Effect.provide(Layer.provideMerge(RedisEventStore.layer(), client))))

  it.live("closing the store deletes the markers still settled", () =>
    Effect.gen(function*() {
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      const event = Fixtures.event({ teamspace })
      yield* Effect.scoped(Effect.gen(function*() {
        const store = yield* RedisEventStore.make()
        yield* store.append(event)
        yield* store.markDispatched(teamspace, event.id)
      }))
      expect(yield* Effect.promise(() => redis.exists(`${prefix}evt-pending:${teamspace}:${event.id}`))).toBe(0)
    }).pipe(Effect.provide(client)))

  it.live("with readsFanOutPage, appendReading stores a new event and reads its first fan-out page in one round trip", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const subscriptions = yield* SubscriptionStore.SubscriptionStore
      const teamspace = Fixtures.teamspace()
      const hooks = [0, 1, 2].map((n) => Fixtures.webhook({ teamspace, time: Fixtures.baseTime + n }))
      yield* Effect.forEach(hooks, (hook) => subscriptions.insert(hook))
      yield* subscriptions.insert(Fixtures.webhook({ teamspace, events: [Fixtures.typeB] }))
      const appendReading = store.appendReading!
      // The first call loads the script; counted from the second on.
      yield* appendReading(Fixtures.event({ teamspace }), { limit: 1 })
      const event = Fixtures.event({ teamspace })
      const result = yield* countingWrites((writes) => Effect.tap(appendReading(event, { limit: 2 }), () => expect(writes()).toBe(1)))
      // limit + 1, in id order: the last tells the fan-out that more remain.
      expect(result).toEqual({ _tag: "Appended", page: hooks.map((hook) => ({ id: hook.id, ordered: false })) })
      expect(yield* subscriptions.activePage(teamspace, event.type, { limit: 3 })).toEqual(result._tag === "Appended" ? result.page : [])
      const again = yield* appendReading(event, { limit: 2 })
      expect(again._tag).toBe("Exists")
      // A teamspace whose fan-out index was never completed (no webhook ever written): the page is
      // left to the SubscriptionStore, which completes the index; read here from then on.
      const other = Fixtures.teamspace()
      expect(yield* appendReading(Fixtures.event({ teamspace: other }), { limit: 2 })).toEqual({ _tag: "Appended", page: undefined })
      expect(yield* subscriptions.activePage(other, Fixtures.typeA, { limit: 3 })).toEqual([])
      expect(yield* appendReading(Fixtures.event({ teamspace: other }), { limit: 2 })).toEqual({ _tag: "Appended", page: [] })
    }).pipe(
      Effect.provide(Layer.provideMerge(
        Layer.merge(RedisEventStore.layer({ readsFanOutPage: true }), RedisSubscriptionStore.layer),
        client
      ))
    ))

  it.live("without readsFanOutPage there is no appendReading (the subscriptions may live elsewhere)", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      expect(store.appendReading).toBeUndefined()
    }).pipe(Effect.provide(Layer.provide(RedisEventStore.layer(), client))))

  it.live("a batch is one round trip: appendAll pipelines its appends in one write; markDispatchedAll waits for the next, which finds every event of it dispatched (more than one append carries)", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const teamspace = Fixtures.teamspace()
      // The first call loads the script; counted from the second on.
      yield* store.appendAll([Fixtures.event({ teamspace })])
      yield* countingWrites((writes) =>
        Effect.gen(function*() {
          // More than an append carries besides its own (CARRIED_AT_MOST, 100): each deletes its own.
          const events = Array.from({ length: 150 }, () => Fixtures.event({ teamspace }))
          const results = yield* store.appendAll(events)
          expect(results.every((result) => result._tag === "Appended")).toBe(true)
          expect(writes()).toBe(1)
          yield* store.markDispatchedAll(teamspace, events.map((event) => event.id))
          expect(writes()).toBe(1)
          const again = yield* store.appendAll(events)
          expect(again.every((result) => result._tag === "Exists" && result.dispatched)).toBe(true)
          expect(writes()).toBe(2)
        })
      )
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
