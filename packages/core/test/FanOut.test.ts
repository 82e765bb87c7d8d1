// FanOut against recording fakes: what a step enqueues, in which order and
// where in the queue, and what it hands the sequencer, without any adapter.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Metric, MetricState, Option, Ref } from "effect"
import {
  DeliveryJob,
  DeliveryQueue,
  Event,
  EventStore,
  FanOut,
  Ids,
  RetrySchedule,
  SequenceStore,
  Sequencer,
  SubscriptionStore
} from "@herald/core"

const teamspace = Ids.TeamspaceId.make("fanout-test")
const event = new Event.Event({
  id: Ids.EventId.make("evt_fanout"),
  teamspace,
  type: "order.created",
  dataJson: "{}",
  createdAt: 0
})

/** Ten targets in id order; every third is ordered. */
const targets: ReadonlyArray<SubscriptionStore.FanOutTarget> = Array.from({ length: 10 }, (_, i) => ({
  id: Ids.makeWebhookId(1_000 + i),
  ordered: i % 3 === 0
}))

interface Enqueued {
  readonly jobs: ReadonlyArray<DeliveryJob.QueueTask>
  readonly front: boolean
}

const unused = (what: string) => () => Effect.dieMessage(`${what} is not used by a fan-out`)

/** The fan-out size histogram's observations so far, from Effect's registry (the process's). */
const fanOutSizes = () => {
  const state = Metric.unsafeSnapshot().find((pair) => pair.metricKey.name === "herald_fanout_webhooks")?.metricState
  return state !== undefined && MetricState.isHistogramState(state) ? { count: state.count, sum: state.sum } : { count: 0, sum: 0 }
}

const harness = (appendReading?: EventStore.EventStoreShape["appendReading"]) => Effect.gen(function*() {
  const enqueued = yield* Ref.make<ReadonlyArray<Enqueued>>([])
  let pageReads = 0
  const entered = yield* Ref.make<ReadonlyArray<Ids.WebhookId>>([])
  const queue: DeliveryQueue.DeliveryQueueShape = {
    enqueue: (jobs, options) => Ref.update(enqueued, (all) => [...all, { jobs, front: options?.front === true }]),
    expedite: unused("expedite"),
    consume: unused("consume")
  }
  const store: SubscriptionStore.SubscriptionStoreShape = {
    insert: unused("insert"),
    get: unused("get"),
    update: unused("update"),
    remove: unused("remove"),
    list: unused("list"),
    count: unused("count"),
    active: unused("active"),
    activePage: (_teamspace, _type, page) =>
      Effect.sync(() => {
        pageReads++
        const after = page.after
        const start = after === undefined ? 0 : targets.findIndex((target) => target.id > after)
        return start === -1 ? [] : targets.slice(start, start + page.limit)
      })
  }
  const events: EventStore.EventStoreShape = {
    appendAll: unused("appendAll"),
    markDispatchedAll: unused("markDispatchedAll"),
    append: unused("append"),
    get: (_teamspace, id) => Effect.succeed(id === event.id ? Option.some(event) : Option.none()),
    list: unused("list"),
    markDispatched: unused("markDispatched"),
    appendReading
  }
  // Every ordered webhook's sequence is empty: the event entering it is its head at once.
  const sequences: SequenceStore.SequenceStoreShape = {
    enter: (_teamspace, webhookId, eventIds) =>
      Effect.as(Ref.update(entered, (all) => [...all, webhookId]), Option.fromNullable(eventIds[0])),
    advance: unused("advance"),
    drain: unused("drain")
  }
  const layer = FanOut.FanOut.Default.pipe(
    Layer.provide(Sequencer.Sequencer.Default),
    Layer.provide(Layer.mergeAll(
      Layer.succeed(DeliveryQueue.DeliveryQueue, queue),
      Layer.succeed(SubscriptionStore.SubscriptionStore, store),
      Layer.succeed(EventStore.EventStore, events),
      Layer.succeed(SequenceStore.SequenceStore, sequences),
      RetrySchedule.layer([0])
    ))
  )
  const fanOut = yield* Effect.provide(FanOut.FanOut, layer)
  return { fanOut, enqueued, entered, pageReads: () => pageReads } as const
})

const delivered = (all: ReadonlyArray<Enqueued>) =>
  all.flatMap(({ jobs }) => jobs.filter((job) => !DeliveryJob.isFanOut(job)).map((job) => (job as DeliveryJob.DeliveryJob).webhookId))

describe("FanOut", () => {
  it.effect("the publish's step enqueues one chunk and the next step, at the front; ordered webhooks through their sequence", () =>
    Effect.gen(function*() {
      const { enqueued, entered, fanOut } = yield* harness()
      const result = yield* fanOut.step(event)
      expect(result).toEqual({ deliveries: 4, more: true })
      const all = yield* Ref.get(enqueued)
      const [next, ...others] = all.filter(({ front }) => front)
      expect(others).toEqual([])
      const chunk = all.filter(({ front }) => !front)
      expect(next!.jobs).toHaveLength(1)
      expect({ ...next!.jobs[0] }).toEqual({ ...new DeliveryJob.FanOutJob({ teamspace, eventId: event.id, after: targets[3]!.id, owed: 4 }) })
      expect(delivered(chunk).sort()).toEqual(targets.slice(0, 4).map((target) => target.id).sort())
      expect(yield* Ref.get(entered)).toEqual([targets[0]!.id, targets[3]!.id])
    }).pipe(Effect.provideService(FanOut.FanOutChunkSize, 4)))

  it.effect("continuing from a step's cursor reaches every target once; the last step enqueues no further step and observes the fan-out's size", () =>
    Effect.gen(function*() {
      const { enqueued, fanOut } = yield* harness()
      const before = fanOutSizes()
      yield* fanOut.step(event)
      // Play the worker: run each fan-out step as it is enqueued.
      for (let steps = 0; steps < 10; steps++) {
        const pending = (yield* Ref.get(enqueued)).flatMap(({ jobs }) => jobs).filter(DeliveryJob.isFanOut)
        if (pending.length <= steps) break
        expect(yield* fanOut.continueFrom(pending[steps]!)).toEqual(DeliveryJob.done)
      }
      const all = yield* Ref.get(enqueued)
      expect(all.flatMap(({ jobs }) => jobs).filter(DeliveryJob.isFanOut)).toHaveLength(2)
      expect(delivered(all).sort()).toEqual(targets.map((target) => target.id).sort())
      // One observation, of every target, made by the last of the three steps.
      const after = fanOutSizes()
      expect({ count: after.count - before.count, sum: after.sum - before.sum }).toEqual({ count: 1, sum: targets.length })
    }).pipe(Effect.provideService(FanOut.FanOutChunkSize, 4), Effect.provideService(FanOut.FanOutStepChunks, 1)))

  it.effect("a worker's step covers several chunks, one enqueue each, beside the next step", () =>
    Effect.gen(function*() {
      const { enqueued, fanOut } = yield* harness()
      yield* fanOut.step(event)
      const [first] = (yield* Ref.get(enqueued)).flatMap(({ jobs }) => jobs).filter(DeliveryJob.isFanOut)
      yield* Ref.set(enqueued, [])
      yield* fanOut.continueFrom(first!)
      const calls = yield* Ref.get(enqueued)
      // Targets 3-8 (three chunks of two); the next step starts after target 8.
      const next = calls.filter(({ front }) => front)
      expect(next.map(({ jobs }) => jobs.map((job) => ({ ...job })))).toEqual([[
        // The steps so far owed targets 1-8.
        { ...new DeliveryJob.FanOutJob({ teamspace, eventId: event.id, after: targets[7]!.id, owed: 8 }) }
      ]])
      expect(delivered(calls).sort()).toEqual(targets.slice(2, 8).map((target) => target.id).sort())
      // Unordered targets are enqueued per chunk; the ordered ones through their sequence.
      expect(calls.filter(({ front }) => !front).every(({ jobs }) => jobs.length <= 2)).toBe(true)
    }).pipe(Effect.provideService(FanOut.FanOutChunkSize, 2), Effect.provideService(FanOut.FanOutStepChunks, 3)))

  it.effect("with an event store that reads the first page in its append, a publish's step reads no page of its own", () =>
    Effect.gen(function*() {
      const limits: Array<number> = []
      const { enqueued, fanOut, pageReads } = yield* harness((_event, first) =>
        Effect.sync(() => {
          limits.push(first.limit)
          return { _tag: "Appended", page: targets.slice(0, first.limit + 1) }
        })
      )
      const result = yield* fanOut.publishStep(event)
      expect(result).toEqual({ appended: { _tag: "Appended" }, deliveries: 4 })
      expect(limits).toEqual([4])
      expect(pageReads()).toBe(0)
      expect(delivered(yield* Ref.get(enqueued)).sort()).toEqual(targets.slice(0, 4).map((target) => target.id).sort())
    }).pipe(Effect.provideService(FanOut.FanOutChunkSize, 4)))

  it.effect("when the append could not read the page, the publish's step reads it from the SubscriptionStore", () =>
    Effect.gen(function*() {
      const { enqueued, fanOut, pageReads } = yield* harness(() => Effect.succeed({ _tag: "Appended", page: undefined }))
      const result = yield* fanOut.publishStep(event)
      expect(result).toEqual({ appended: { _tag: "Appended" }, deliveries: 4 })
      expect(pageReads()).toBe(1)
      expect(delivered(yield* Ref.get(enqueued))).toHaveLength(4)
    }).pipe(Effect.provideService(FanOut.FanOutChunkSize, 4)))

  it.effect("a step of an event that no longer exists enqueues nothing", () =>
    Effect.gen(function*() {
      const { enqueued, fanOut } = yield* harness()
      const gone = new DeliveryJob.FanOutJob({ teamspace, eventId: Ids.EventId.make("evt_gone"), after: targets[0]!.id })
      expect(yield* fanOut.continueFrom(gone)).toEqual(DeliveryJob.done)
      expect(yield* Ref.get(enqueued)).toEqual([])
    }))
})
