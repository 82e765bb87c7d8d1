// The reconciler's pass on the memory ledger (the recording ledger's reference) with a queue that
// records what it is given and whose epoch the test sets: what a pass puts back in the queue, at
// which attempt and delay, and when it walks everything (a queue that lost its data). Times are
// the TestClock's; nothing waits.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Ref, TestClock } from "effect"
import {
  DeliveryJob,
  DeliveryLedger,
  DeliveryQueue,
  EventStore,
  FanOut,
  Ids,
  Reconciler,
  RetrySchedule,
  SequenceStore,
  Sequencer,
  SubscriptionStore
} from "@herald/core"
import { MemoryDeliveryLedger, MemoryLayer } from "@herald/memory"
import { Fixtures } from "@herald/testkit"

interface Enqueued {
  readonly job: DeliveryJob.QueueTask
  readonly delayMs: number
}

/** A queue that records each job and the delay it was given, with an epoch the test controls. */
class RecordingQueue extends Effect.Service<RecordingQueue>()("test/RecordingQueue", {
  effect: Effect.gen(function*() {
    const enqueued = yield* Ref.make<ReadonlyArray<Enqueued>>([])
    const epoch = yield* Ref.make("epoch-1")
    const shape: DeliveryQueue.DeliveryQueueShape = {
      enqueue: (jobs, options) =>
        Ref.update(enqueued, (all) => [...all, ...jobs.map((job) => ({ job, delayMs: options?.delayMs ?? 0 }))]),
      expedite: () => Effect.dieMessage("not used"),
      consume: () => Effect.dieMessage("not used"),
      epoch: Ref.get(epoch)
    }
    return { enqueued, epoch, shape } as const
  })
}) {}

const grace = 120_000

const layer = FanOut.FanOut.Default.pipe(
  Layer.provideMerge(Sequencer.Sequencer.Default),
  Layer.provideMerge(MemoryDeliveryLedger.layer),
  Layer.provideMerge(Layer.effect(DeliveryQueue.DeliveryQueue, Effect.map(RecordingQueue, (queue) => queue.shape))),
  Layer.provideMerge(RecordingQueue.Default),
  Layer.provideMerge(MemoryLayer.layer),
  Layer.provideMerge(RetrySchedule.layer([0, 60_000, 3_600_000])),
  Layer.provideMerge(Layer.succeed(Reconciler.ReconcileSettings, { intervalMs: 60_000, graceMs: grace }))
)

/** The jobs enqueued since the last call, as (webhook, attempt, reconciled, delay). */
const drained = Effect.gen(function*() {
  const queue = yield* RecordingQueue
  const all = yield* Ref.getAndSet(queue.enqueued, [])
  return all.map(({ delayMs, job }) =>
    job instanceof DeliveryJob.DeliveryJob
      ? { webhookId: job.webhookId, attempt: job.attempt, reconciled: job.reconciled === true, delayMs }
      : { fanOutAfter: job.after, delayMs }
  )
})

/** An event appended now, and owed to `webhooks` (one step, fully owed) with their due times. */
const owed = (webhooks: ReadonlyArray<readonly [Ids.WebhookId, number | null]>) =>
  Effect.gen(function*() {
    const events = yield* EventStore.EventStore
    const ledger = yield* DeliveryLedger.DeliveryLedger
    const event = Fixtures.event({ teamspace: Fixtures.teamspace() })
    yield* events.append(event)
    const targets = webhooks.map(([webhookId, dueAt]) => ({ webhookId, dueAt }))
    expect(yield* ledger.owe(event, targets, Option.none(), Option.none())).toBe(true)
    return event
  })

describe("Reconciler.pass", () => {
  it.effect("the first pass walks every owed delivery, each with what is left of its delay, and records the epoch", () =>
    Effect.gen(function*() {
      const [a, b] = [Ids.makeWebhookId(), Ids.makeWebhookId()].sort() as [Ids.WebhookId, Ids.WebhookId]
      yield* TestClock.setTime(1_000_000)
      yield* owed([[a, 1_000_000 - 5_000], [b, 1_000_000 + 3_600_000]])
      const report = yield* Reconciler.pass
      expect(report).toMatchObject({ queueLost: true, deliveries: 2 })
      expect(yield* drained).toEqual([
        { webhookId: a, attempt: 1, reconciled: true, delayMs: 0 },
        { webhookId: b, attempt: 1, reconciled: true, delayMs: 3_600_000 }
      ])
      const ledger = yield* DeliveryLedger.DeliveryLedger
      expect(yield* ledger.readEpoch).toEqual(Option.some("epoch-1"))

      // The same epoch: only what is overdue by more than the grace is enqueued again.
      yield* TestClock.adjust(grace + 10_000)
      expect(yield* Reconciler.pass).toMatchObject({ queueLost: false, deliveries: 1 })
      expect(yield* drained).toEqual([{ webhookId: a, attempt: 1, reconciled: true, delayMs: 0 }])
    }).pipe(Effect.provide(layer)))

  it.effect("a new epoch (the queue lost its data) walks everything again, retries at their attempt", () =>
    Effect.gen(function*() {
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const queue = yield* RecordingQueue
      const a = Ids.makeWebhookId()
      yield* TestClock.setTime(1_000_000)
      const event = yield* owed([[a, 1_000_000]])
      yield* Reconciler.pass
      yield* drained
      // The first attempt failed: the next is due in an hour.
      const job = new DeliveryJob.DeliveryJob({ teamspace: event.teamspace, eventId: event.id, webhookId: a, attempt: 2 })
      yield* ledger.scheduled(job, 1_000_000 + 3_600_000)
      expect(yield* Reconciler.pass).toMatchObject({ queueLost: false, deliveries: 0 })
      yield* Ref.set(queue.epoch, "epoch-2")
      expect(yield* Reconciler.pass).toMatchObject({ queueLost: true, deliveries: 1 })
      expect(yield* drained).toEqual([{ webhookId: a, attempt: 2, reconciled: true, delayMs: 3_600_000 }])
      expect(yield* ledger.readEpoch).toEqual(Option.some("epoch-2"))
    }).pipe(Effect.provide(layer)))

  it.effect("an ordered webhook's waiting delivery is not overdue; its lost head is enqueued again", () =>
    Effect.gen(function*() {
      const sequencer = yield* Sequencer.Sequencer
      const ordered = Ids.makeWebhookId()
      yield* TestClock.setTime(1_000_000)
      const event = yield* owed([[ordered, null]])
      yield* Reconciler.pass
      expect(yield* drained).toEqual([])
      // It enters its sequence (as a fan-out does) and becomes the head; its job is then lost.
      yield* sequencer.start(event.teamspace, [{ webhook: { id: ordered, ordered: true }, eventId: event.id }])
      yield* drained
      yield* TestClock.adjust(grace + 1)
      expect(yield* Reconciler.pass).toMatchObject({ heads: 1, deliveries: 0 })
      expect(yield* drained).toEqual([{ webhookId: ordered, attempt: 1, reconciled: true, delayMs: 0 }])
    }).pipe(Effect.provide(layer)))

  it.effect("an ordered delivery owed but in no sequence (a process died between the two) is put back", () =>
    Effect.gen(function*() {
      const subscriptions = yield* SubscriptionStore.SubscriptionStore
      const sequences = yield* SequenceStore.SequenceStore
      yield* TestClock.setTime(1_000_000)
      const teamspace = Fixtures.teamspace()
      const ordered = Fixtures.withChanges(Fixtures.webhook({ teamspace }), { ordered: true })
      const plain = Fixtures.webhook({ teamspace })
      yield* subscriptions.insert(ordered)
      yield* subscriptions.insert(plain)
      const events = yield* EventStore.EventStore
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const event = Fixtures.event({ teamspace })
      yield* events.append(event)
      // Owed with no due time (as an ordered delivery is), then the process died before entering
      // them in their sequences; the plain webhook was ordered then, and is not any more.
      yield* ledger.owe(event, [{ webhookId: ordered.id, dueAt: null }, { webhookId: plain.id, dueAt: null }], Option.none(), Option.none())
      expect(yield* Reconciler.pass).toMatchObject({ stranded: 0 })
      yield* drained
      yield* TestClock.adjust(grace + 1)
      expect(yield* Reconciler.pass).toMatchObject({ stranded: 2 })
      const jobs = yield* drained
      // The ordered one entered its sequence, of which it is the head, and was enqueued.
      expect(yield* sequences.drain(teamspace, ordered.id)).toEqual([event.id])
      expect(jobs).toContainEqual({ webhookId: ordered.id, attempt: 1, reconciled: false, delayMs: 0 })
      // The other is due now, enqueued as a reconciled job.
      expect(jobs).toContainEqual({ webhookId: plain.id, attempt: 1, reconciled: true, delayMs: 0 })
      expect((yield* ledger.overdue({ limit: 10 })).map((row) => row.webhookId)).toEqual([plain.id])
    }).pipe(Effect.provide(layer)))

  it.effect("a full page of overdue rows does not hide the rows behind it: the next pass continues after it", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_000_000)
      const hooks = Array.from({ length: Reconciler.PAGE + 1 }, () => Ids.makeWebhookId()).sort()
      yield* owed(hooks.map((hook) => [hook, 1_000_000] as const))
      yield* Reconciler.pass // the first pass walks everything and records the epoch
      yield* drained
      yield* TestClock.adjust(grace + 1)
      const first = yield* Reconciler.pass
      expect(first.deliveries).toBe(Reconciler.PAGE)
      expect(first.continueAfter?.webhookId).toBe(hooks[Reconciler.PAGE - 1])
      yield* drained
      const second = yield* Reconciler.passFrom(first.continueAfter)
      expect(second.deliveries).toBe(1)
      expect(second.continueAfter).toBeUndefined()
      expect((yield* drained).map((job) => "webhookId" in job ? job.webhookId : undefined)).toEqual([hooks[Reconciler.PAGE]])
    }).pipe(Effect.provide(layer)))

  it.effect("with DeliveryLedger.none it does nothing", () =>
    Effect.gen(function*() {
      const report = yield* Reconciler.pass.pipe(Effect.provideService(DeliveryLedger.DeliveryLedger, DeliveryLedger.none))
      expect(report).toMatchObject({ fanOuts: 0, abandoned: 0, deliveries: 0, heads: 0, stranded: 0, queueLost: false })
      expect(yield* drained).toEqual([])
    }).pipe(Effect.provide(layer)))
})
