// The core's batch publish (`Publisher.publishBatch`) over the memory stores, counting the store
// and queue calls a batch makes: a result per event in order, and each store written once.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Ref } from "effect"
import {
  DeliveryQueue,
  EventStore,
  EventType,
  EventTypes,
  FanOut,
  Publisher,
  RetrySchedule,
  Sequencer,
  UrlPolicy,
  Webhooks
} from "@herald/core"
import { MemoryDeliveryQueue, MemoryEventStore, MemoryLayer } from "@herald/memory"
import { Fixtures } from "@herald/testkit"

/** Calls made to the wrapped ports, by operation. */
class Calls extends Effect.Service<Calls>()("test/Calls", { effect: Ref.make<ReadonlyArray<string>>([]) }) {}

const counted = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>) =>
  Effect.zipRight(Effect.flatMap(Calls, (calls) => Ref.update(calls, (all) => [...all, name])), effect)

const countingEvents = Layer.effect(
  EventStore.EventStore,
  Effect.gen(function*() {
    const store = yield* MemoryEventStore.make
    const calls = yield* Calls
    const count = <A>(name: string, effect: Effect.Effect<A>) => Effect.provideService(counted(name, effect), Calls, calls)
    return {
      ...store,
      append: (event) => count("append", store.append(event)),
      appendAll: (events) => count("appendAll", store.appendAll(events)),
      markDispatched: (teamspace, id) => count("markDispatched", store.markDispatched(teamspace, id)),
      markDispatchedAll: (teamspace, ids) => count("markDispatchedAll", store.markDispatchedAll(teamspace, ids))
    } satisfies EventStore.EventStoreShape
  })
)

const countingQueue = Layer.scoped(
  DeliveryQueue.DeliveryQueue,
  Effect.gen(function*() {
    const queue = yield* MemoryDeliveryQueue.make
    const calls = yield* Calls
    return {
      ...queue,
      enqueue: (jobs, options) =>
        Effect.provideService(counted(`enqueue ${jobs.length}`, queue.enqueue(jobs, options)), Calls, calls)
    } satisfies DeliveryQueue.DeliveryQueueShape
  })
)

const layer = Layer.mergeAll(
  Webhooks.Webhooks.Default,
  Publisher.Publisher.Default.pipe(Layer.provideMerge(FanOut.FanOut.Default))
).pipe(
  Layer.provideMerge(Layer.merge(Sequencer.Sequencer.Default, EventTypes.EventTypes.Default)),
  Layer.provideMerge(Layer.mergeAll(
    // Later layers win: the counting event store and queue replace the memory layer's own.
    Layer.merge(MemoryLayer.layer, Layer.merge(countingEvents, countingQueue)),
    EventType.layerDefault.pipe(Layer.provideMerge(Fixtures.profilesLayer)),
    UrlPolicy.layer({ allowPrivate: true }),
    RetrySchedule.layer([0])
  )),
  Layer.provideMerge(Calls.Default)
)

describe("Publisher.publishBatch", () => {
  it.effect("a result per event in order, each store written once and one enqueue for the batch", () =>
    Effect.gen(function*() {
      const publisher = yield* Publisher.Publisher
      const webhooks = yield* Webhooks.Webhooks
      const calls = yield* Calls
      const teamspace = Fixtures.teamspace()
      for (const url of ["https://a.test/hook", "https://b.test/hook"]) {
        yield* webhooks.create(teamspace, { url, events: [Fixtures.typeA, Fixtures.typeB] })
      }
      yield* publisher.publish(teamspace, { type: Fixtures.typeA, id: "evt-old", data: { n: 0 } })
      yield* Ref.set(calls, [])

      const results = yield* publisher.publishBatch(teamspace, [
        { type: Fixtures.typeA, id: "evt-1", data: { n: 1 } },
        { type: "no.such.type", id: "evt-2", data: {} },
        { type: Fixtures.typeA, id: "evt-old", data: { n: 0 } },
        { type: Fixtures.typeB, id: "evt-3", data: { n: 3 } },
        { type: Fixtures.typeA, id: "evt-1", data: { n: 1 } },
        { type: Fixtures.typeA, id: "evt-1", data: { n: "other" } },
        { type: Fixtures.typeA, data: { n: 4 } }
      ])

      const summary = results.map(Either.match({
        onLeft: (error) => error._tag,
        onRight: (published) => `${published.event.id}:${published.duplicate ? "duplicate" : "new"}:${published.deliveries}`
      }))
      expect(summary.slice(0, 6)).toEqual([
        "evt-1:new:2",
        "InvalidInput",
        "evt-old:duplicate:0",
        "evt-3:new:2",
        "evt-1:duplicate:0",
        "EventConflict"
      ])
      expect(summary[6]).toMatch(/^evt_\w+:new:2$/)
      const invalid = results[1]!
      expect(Either.isLeft(invalid) && invalid.left._tag === "InvalidInput" && invalid.left.issues[0]!.path).toEqual(["event_type"])
      // One append and one mark for the batch; the six deliveries in one enqueue.
      expect(yield* Ref.get(calls)).toEqual(["appendAll", "enqueue 6", "markDispatchedAll"])
    }).pipe(Effect.provide(layer)))

  it.effect("a batch of only refused events writes nothing", () =>
    Effect.gen(function*() {
      const publisher = yield* Publisher.Publisher
      const calls = yield* Calls
      const results = yield* publisher.publishBatch(Fixtures.teamspace(), [{ type: Fixtures.typeA, data: [] }])
      expect(results.map((result) => Either.isLeft(result) && result.left._tag)).toEqual(["InvalidInput"])
      expect(yield* Ref.get(calls)).toEqual([])
    }).pipe(Effect.provide(layer)))
})
