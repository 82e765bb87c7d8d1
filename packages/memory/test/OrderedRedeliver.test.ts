// An ordered webhook's event redelivered in the moment after its attempt moved the
// sequence on, before the queue settled that attempt: it is delivered again (one at a
// time), not left heading its sequence with no job until the webhook's next event.
import { expect, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Ref } from "effect"
import { DeliveryJob, DeliveryQueue, RetrySchedule, Sequencer } from "@herald/core"
import { MemoryDeliveryQueue, MemorySequenceStore } from "@herald/memory"
import { Fixtures } from "@herald/testkit"

const layer = Sequencer.Sequencer.Default.pipe(
  Layer.provideMerge(Layer.mergeAll(MemoryDeliveryQueue.layer, MemorySequenceStore.layer, RetrySchedule.layer([0])))
)

it.live("an ordered event redelivered just after its attempt settled its sequence is delivered again", () =>
  Effect.gen(function*() {
    const sequencer = yield* Sequencer.Sequencer
    const queue = yield* DeliveryQueue.DeliveryQueue
    const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
    const delivery = { webhook: { id: job.webhookId, ordered: true }, eventId: job.eventId }
    const handled = yield* Ref.make<ReadonlyArray<number>>([])
    const running = yield* Ref.make(0)
    const peak = yield* Ref.make(0)
    const advanced = yield* Deferred.make<void>()
    const gate = yield* Deferred.make<void>()
    // Like the Dispatcher: the sequence moves on, then the outcome reaches the queue.
    const handle = (task: DeliveryJob.QueueTask) =>
      Effect.gen(function*() {
        if (DeliveryJob.isFanOut(task)) return DeliveryJob.done
        const now = yield* Ref.updateAndGet(running, (n) => n + 1)
        yield* Ref.update(peak, (p) => Math.max(p, now))
        const first = (yield* Ref.getAndUpdate(handled, (all) => [...all, task.attempt])).length === 0
        yield* sequencer.settled(task)
        if (first) {
          yield* Deferred.succeed(advanced, undefined)
          yield* Deferred.await(gate)
        }
        yield* Ref.update(running, (n) => n - 1)
        return DeliveryJob.sequenced
      })
    yield* queue.consume(handle, { concurrency: 4 })
    yield* sequencer.start(job.teamspace, [delivery])
    yield* Deferred.await(advanced)
    yield* sequencer.redeliver(job.teamspace, [delivery])
    yield* Deferred.succeed(gate, undefined)
    yield* Fixtures.eventually("delivered again", Effect.map(Ref.get(handled), (all) => all.length === 2))
    expect(yield* Ref.get(handled)).toEqual([1, 1])
    expect(yield* Ref.get(peak)).toBe(1)
  }).pipe(Effect.scoped, Effect.provide(layer)))
