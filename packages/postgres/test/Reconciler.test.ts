// The reconciler over the PostgreSQL stores and ledger, with a queue that records what it is given
// (and can be told to fail): the two crash windows of a publish. A publish that died after its
// event was committed but before its deliveries were owed leaves the append's fan-out cursor; one
// whose enqueue failed after the owe leaves owed rows no job carries. A pass finds both. The grace
// is zero, so nothing waits: every row is old enough at once.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Ref } from "effect"
import {
  DeliveryJob,
  DeliveryLedger,
  DeliveryQueue,
  EventStore,
  FanOut,
  Reconciler,
  RetrySchedule,
  Sequencer,
  SubscriptionStore
} from "@herald/core"
import { PostgresDeliveryLedger, PostgresEventStore, PostgresSequenceStore, PostgresSubscriptionStore } from "@herald/postgres"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

/** A queue that records each job, and fails every enqueue while `failing` is set. */
class RecordingQueue extends Effect.Service<RecordingQueue>()("test/RecordingQueue", {
  effect: Effect.gen(function*() {
    const enqueued = yield* Ref.make<ReadonlyArray<DeliveryJob.QueueTask>>([])
    const failing = yield* Ref.make(false)
    const shape: DeliveryQueue.DeliveryQueueShape = {
      enqueue: (jobs) =>
        Effect.flatMap(Ref.get(failing), (fail) =>
          fail ? Effect.dieMessage("Redis is down") : Ref.update(enqueued, (all) => [...all, ...jobs])),
      expedite: () => Effect.dieMessage("not used"),
      consume: () => Effect.dieMessage("not used"),
      epoch: Effect.succeed("epoch")
    }
    return { enqueued, failing, shape } as const
  })
}) {}

describe.skipIf(!available)(`Reconciler on PostgreSQL ${skipReason}`, () => {
  const { client } = useDatabase()

  const layer = () =>
    FanOut.FanOut.Default.pipe(
      Layer.provideMerge(Sequencer.Sequencer.Default),
      Layer.provideMerge(Layer.effect(DeliveryQueue.DeliveryQueue, Effect.map(RecordingQueue, (queue) => queue.shape))),
      Layer.provideMerge(RecordingQueue.Default),
      Layer.provideMerge(Layer.mergeAll(
        PostgresSubscriptionStore.layer,
        PostgresEventStore.layer(),
        PostgresSequenceStore.layer,
        PostgresDeliveryLedger.layer
      ).pipe(Layer.provide(client()))),
      Layer.provideMerge(RetrySchedule.layer([0, 60_000])),
      Layer.provideMerge(Layer.succeed(Reconciler.ReconcileSettings, { intervalMs: 60_000, graceMs: 0 }))
    )

  /** Three webhooks of a fresh teamspace subscribed to the event's type, and the event appended. */
  const published = Effect.gen(function*() {
    const subscriptions = yield* SubscriptionStore.SubscriptionStore
    const events = yield* EventStore.EventStore
    const teamspace = Fixtures.teamspace()
    const hooks = Array.from({ length: 3 }, () => Fixtures.webhook({ teamspace }))
    for (const hook of hooks) yield* subscriptions.insert(hook)
    const event = Fixtures.event({ teamspace })
    yield* events.append(event)
    return { event, hooks: hooks.map((hook) => hook.id).sort() }
  })

  /** The delivery jobs enqueued for `eventId`, as (webhook, reconciled), in webhook order. */
  const jobsOf = (eventId: string) =>
    Effect.flatMap(RecordingQueue, (queue) =>
      Effect.map(Ref.get(queue.enqueued), (all) =>
        all
          .filter((job): job is DeliveryJob.DeliveryJob => job instanceof DeliveryJob.DeliveryJob && job.eventId === eventId)
          .map((job) => [job.webhookId, job.reconciled === true] as const)
          .sort()))

  it.live("a publish that died after its append: the pass owes and enqueues the fan-out", () =>
    Effect.gen(function*() {
      const { event, hooks } = yield* published
      // Nothing was owed or enqueued: the process died right after the append.
      const report = yield* Reconciler.pass
      expect(report.fanOuts).toBeGreaterThanOrEqual(1)
      // The step's own jobs (with a zero grace, the same pass may also find the rows it just owed
      // overdue and enqueue them again, reconciled: duplicates a real queue drops by key).
      const jobs = yield* jobsOf(event.id)
      expect(jobs.filter(([, reconciled]) => !reconciled)).toEqual(hooks.map((hook) => [hook, false]))
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const owed = (yield* ledger.overdue({ limit: 100_000 })).filter((row) => row.eventId === event.id)
      expect(owed.map((row) => row.webhookId).sort()).toEqual(hooks)
    }).pipe(Effect.provide(layer())))

  it.live("a publish whose enqueue failed after the owe: the pass enqueues the owed deliveries, reconciled", () =>
    Effect.gen(function*() {
      const queue = yield* RecordingQueue
      const fanOut = yield* FanOut.FanOut
      const { event, hooks } = yield* published
      yield* Ref.set(queue.failing, true)
      const failed = yield* Effect.exit(fanOut.step(event))
      expect(failed._tag).toBe("Failure")
      yield* Ref.set(queue.failing, false)
      expect(yield* jobsOf(event.id)).toEqual([])

      // The step that failed had won its compare-and-set: the fan-out is not continued again, but
      // its deliveries are owed, and overdue.
      yield* Reconciler.pass
      expect(yield* jobsOf(event.id)).toEqual(hooks.map((hook) => [hook, true]))
    }).pipe(Effect.provide(layer())))
})
