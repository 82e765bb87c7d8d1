// The Dispatcher keeps the events it loaded: a fan-out or a retry reads its
// event from the store once, while an event not found is looked up again.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Ref } from "effect"
import {
  DeliveryJob,
  DeliverySettings,
  Dispatcher,
  EndpointHealth,
  EventStore,
  EventType,
  Herald,
  type Ids,
  RetrySchedule,
  Transport,
  UrlPolicy,
  Webhooks
} from "@herald/core"
import { MemoryEventStore, MemoryLayer } from "@herald/memory"
import { Fixtures } from "@herald/testkit"

/** Every `EventStore.get`, by event id. */
class EventReads extends Effect.Service<EventReads>()("test/EventReads", {
  effect: Effect.map(Ref.make<ReadonlyArray<Ids.EventId>>([]), (reads) => ({ reads }))
}) {}

const CountingEventStore = Layer.effect(
  EventStore.EventStore,
  Effect.gen(function*() {
    const store = yield* MemoryEventStore.make
    const { reads } = yield* EventReads
    return { ...store, get: (teamspace, id) => Effect.zipRight(Ref.update(reads, (all) => [...all, id]), store.get(teamspace, id)) }
  })
).pipe(Layer.provideMerge(EventReads.Default))

/** Every delivery made; each answered 200. */
class Sent extends Effect.Service<Sent>()("test/Sent", {
  effect: Effect.map(Ref.make<ReadonlyArray<Transport.DeliveryRequest>>([]), (requests) => ({ requests }))
}) {}

const RecordingTransport = Layer.effect(
  Transport.Transport,
  Effect.map(Sent, ({ requests }): Transport.TransportShape => ({
    send: (request) => Effect.as(Ref.update(requests, (all) => [...all, request]), { status: 200, headers: {}, body: "" })
  }))
).pipe(Layer.provideMerge(Sent.Default))

// The memory adapters, with the event store swapped for the counting one (in a merge, the later layer's service wins).
const testLayer = Herald.servicesLayer.pipe(Layer.provideMerge(Layer.mergeAll(
  MemoryLayer.layer,
  CountingEventStore,
  EndpointHealth.layer(),
  EventType.layerDefault.pipe(Layer.provideMerge(Fixtures.profilesLayer)),
  UrlPolicy.layer({ allowPrivate: true }),
  RetrySchedule.layer([0, 50]),
  DeliverySettings.layer({ timeoutMs: 1000, concurrency: 4 }),
  RecordingTransport
)))

const readsOf = (id: Ids.EventId) =>
  Effect.map(EventReads, ({ reads }) => reads).pipe(
    Effect.flatMap(Ref.get),
    Effect.map((reads) => reads.filter((read) => read === id).length)
  )

const sentCount = Effect.flatMap(Effect.map(Sent, ({ requests }) => requests), Ref.get).pipe(
  Effect.map((requests) => requests.length)
)

describe("Dispatcher event cache", () => {
  it.live("deliveries of one event to many webhooks, and its retries, read the event once", () =>
    Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const events = yield* EventStore.EventStore
      const dispatcher = yield* Dispatcher.Dispatcher
      const teamspace = Fixtures.teamspace()
      const hooks = yield* Effect.forEach(
        Array.from({ length: 12 }, (_, i) => i),
        (i) => Effect.map(webhooks.create(teamspace, { url: `http://receiver.test/${i}`, events: [Fixtures.typeA] }), (created) => created.webhook)
      )
      const event = Fixtures.event({ teamspace })
      yield* events.append(event)

      for (const hook of hooks) {
        for (const attempt of [1, 2]) {
          yield* dispatcher.deliver(new DeliveryJob.DeliveryJob({ teamspace, eventId: event.id, webhookId: hook.id, attempt }))
        }
      }
      expect(yield* sentCount).toBe(24)
      expect(yield* readsOf(event.id)).toBe(1)
    }).pipe(Effect.provide(testLayer), Logger.withMinimumLogLevel(LogLevel.Warning)))

  it.live("an event not found is not remembered: once stored, it is delivered", () =>
    Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const events = yield* EventStore.EventStore
      const dispatcher = yield* Dispatcher.Dispatcher
      const teamspace = Fixtures.teamspace()
      const { webhook } = yield* webhooks.create(teamspace, { url: "http://receiver.test/late", events: [Fixtures.typeA] })
      const event = Fixtures.event({ teamspace })
      const job = new DeliveryJob.DeliveryJob({ teamspace, eventId: event.id, webhookId: webhook.id, attempt: 1 })

      yield* dispatcher.deliver(job)
      expect(yield* sentCount).toBe(0)
      yield* events.append(event)
      yield* dispatcher.deliver(job)
      yield* dispatcher.deliver(job)
      expect(yield* sentCount).toBe(2)
      expect(yield* readsOf(event.id)).toBe(2)
    }).pipe(Effect.provide(testLayer), Logger.withMinimumLogLevel(LogLevel.Warning)))

  it.live("the cache is bounded: the least recently used event is read again, and an event too large is never kept", () =>
    Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const events = yield* EventStore.EventStore
      const dispatcher = yield* Dispatcher.Dispatcher
      const teamspace = Fixtures.teamspace()
      const { webhook } = yield* webhooks.create(teamspace, { url: "http://receiver.test/many", events: [Fixtures.typeA] })
      const deliver = (event: { readonly id: Ids.EventId }) =>
        dispatcher.deliver(new DeliveryJob.DeliveryJob({ teamspace, eventId: event.id, webhookId: webhook.id, attempt: 1 }))

      const first = Fixtures.event({ teamspace })
      const kept = Fixtures.event({ teamspace })
      yield* events.append(first)
      yield* events.append(kept)
      yield* deliver(first)
      yield* deliver(kept)
      // A thousand more events; `kept` is used all along, so `first` is the one forgotten.
      for (let n = 0; n < 1_000; n++) {
        const event = Fixtures.event({ teamspace, data: { n } })
        yield* events.append(event)
        yield* deliver(event)
        if (n % 100 === 0) yield* deliver(kept)
      }
      yield* deliver(kept)
      yield* deliver(first)
      expect(yield* readsOf(kept.id)).toBe(1)
      expect(yield* readsOf(first.id)).toBe(2)

      const huge = Fixtures.event({ teamspace, data: { text: "x".repeat(5 * 1024 * 1024) } })
      yield* events.append(huge)
      yield* deliver(huge)
      yield* deliver(huge)
      expect(yield* readsOf(huge.id)).toBe(2)
    }).pipe(Effect.provide(testLayer), Logger.withMinimumLogLevel(LogLevel.Warning)))
})
