// What the conformance suite cannot check on a shared queue: exact timing on
// the TestClock, defect handling, the inspection helper, and that a handler's
// own timeout still works while its consumer shuts down.
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Logger, LogLevel, Ref, Scope, TestClock } from "effect"
import { DeliveryJob } from "@herald/core"
import { MemoryDeliveryQueue } from "@herald/memory"
import { Fixtures } from "@herald/testkit"

const provide = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(Effect.scoped, Effect.provide(MemoryDeliveryQueue.layer), Logger.withMinimumLogLevel(LogLevel.None))

/** Lets forked fibers run after a TestClock adjustment. */
const settle = Effect.repeatN(Effect.yieldNow(), 50)

const recorder = Effect.gen(function*() {
  const handled = yield* Ref.make<ReadonlyArray<DeliveryJob.DeliveryJob>>([])
  // These tests enqueue delivery jobs only.
  const record = (task: DeliveryJob.QueueTask) =>
    DeliveryJob.isFanOut(task) ? Effect.dieMessage("unexpected fan-out task") : Ref.update(handled, (all) => [...all, task])
  return { handled, record, attempts: Effect.map(Ref.get(handled), (all) => all.map((job) => job.attempt)) }
})

describe("MemoryDeliveryQueue", () => {
  it.effect("delays run on the Effect clock, to the millisecond", () =>
    provide(Effect.gen(function*() {
      const queue = yield* MemoryDeliveryQueue.MemoryDeliveryQueue
      const { attempts, record } = yield* recorder
      const teamspace = Fixtures.teamspace()
      yield* queue.consume((job) => Effect.as(record(job), DeliveryJob.retryAfter(5_000)), { concurrency: 1 })
      yield* queue.enqueue([Fixtures.job({ teamspace })], { delayMs: 1_000 })
      yield* settle
      expect(yield* queue.size).toEqual({ ready: 0, delayed: 1, inFlight: 0 })

      yield* TestClock.adjust(999)
      yield* settle
      expect(yield* attempts).toEqual([])
      yield* TestClock.adjust(1)
      yield* settle
      expect(yield* attempts).toEqual([1])
      expect(yield* queue.size).toEqual({ ready: 0, delayed: 1, inFlight: 0 })

      yield* TestClock.adjust(4_999)
      yield* settle
      expect(yield* attempts).toEqual([1])
      yield* TestClock.adjust(1)
      yield* settle
      expect(yield* attempts).toEqual([1, 2])
    })))

  it.effect("an earlier job enqueued later runs first (one scheduler, re-armed)", () =>
    provide(Effect.gen(function*() {
      const queue = yield* MemoryDeliveryQueue.MemoryDeliveryQueue
      const { handled, record } = yield* recorder
      const teamspace = Fixtures.teamspace()
      const [a, b, c] = [Fixtures.job({ teamspace }), Fixtures.job({ teamspace }), Fixtures.job({ teamspace })]
      yield* queue.consume((job) => Effect.as(record(job), DeliveryJob.done), { concurrency: 1 })
      yield* queue.enqueue([a], { delayMs: 3_000 })
      yield* settle
      yield* queue.enqueue([b], { delayMs: 1_000 })
      yield* queue.enqueue([c], { delayMs: 2_000 })
      yield* TestClock.adjust(1_000)
      yield* settle
      expect((yield* Ref.get(handled)).map((job) => job.key)).toEqual([b.key])
      yield* TestClock.adjust(2_000)
      yield* settle
      expect((yield* Ref.get(handled)).map((job) => job.key)).toEqual([b.key, c.key, a.key])
      expect(yield* queue.size).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
    })))

  it.effect("expedite moves up only its own job among delayed jobs due at the same time; the others keep their time", () =>
    provide(Effect.gen(function*() {
      const queue = yield* MemoryDeliveryQueue.MemoryDeliveryQueue
      const { handled, record } = yield* recorder
      const teamspace = Fixtures.teamspace()
      const [a, b, c, d] = [Fixtures.job({ teamspace }), Fixtures.job({ teamspace }), Fixtures.job({ teamspace }), Fixtures.job({ teamspace })]
      yield* queue.consume((job) => Effect.as(record(job), DeliveryJob.done), { concurrency: 1 })
      yield* queue.enqueue([d], { delayMs: 500 })
      yield* queue.enqueue([a, b, c], { delayMs: 1_000 })
      yield* settle
      yield* queue.expedite([b])
      yield* settle
      expect((yield* Ref.get(handled)).map((job) => job.key)).toEqual([b.key])
      expect(yield* queue.size).toEqual({ ready: 0, delayed: 3, inFlight: 0 })
      yield* TestClock.adjust(500)
      yield* settle
      expect((yield* Ref.get(handled)).map((job) => job.key)).toEqual([b.key, d.key])
      yield* TestClock.adjust(500)
      yield* settle
      expect((yield* Ref.get(handled)).map((job) => job.key)).toEqual([b.key, d.key, a.key, c.key])
      expect(yield* queue.size).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
    })))

  it.effect("a handler that always dies is retried 3 times, 1 s apart, then settled", () =>
    provide(Effect.gen(function*() {
      const queue = yield* MemoryDeliveryQueue.MemoryDeliveryQueue
      const { attempts, record } = yield* recorder
      const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
      yield* queue.consume((j) => Effect.zipRight(record(j), Effect.dieMessage("bug")), { concurrency: 1 })
      yield* queue.enqueue([job])
      yield* settle
      expect(yield* attempts).toEqual([1])
      for (let retry = 1; retry <= MemoryDeliveryQueue.MAX_DEFECT_RETRIES; retry++) {
        yield* TestClock.adjust(MemoryDeliveryQueue.DEFECT_RETRY_DELAY_MS - 1)
        yield* settle
        expect((yield* attempts).length).toBe(retry)
        yield* TestClock.adjust(1)
        yield* settle
        // The same attempt again: a defect is not a failed delivery.
        expect(yield* attempts).toEqual(Array.from({ length: retry + 1 }, () => 1))
      }
      yield* TestClock.adjust(60_000)
      yield* settle
      expect((yield* attempts).length).toBe(MemoryDeliveryQueue.MAX_DEFECT_RETRIES + 1)
      expect(yield* queue.size).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
      // Settled: the key is free again.
      yield* queue.enqueue([job])
      yield* settle
      expect((yield* attempts).length).toBe(MemoryDeliveryQueue.MAX_DEFECT_RETRIES + 2)
    })))

  it.effect("a transient defect costs one retry; a thrown exception is a defect too", () =>
    provide(Effect.gen(function*() {
      const queue = yield* MemoryDeliveryQueue.MemoryDeliveryQueue
      const { attempts, record } = yield* recorder
      const calls = yield* Ref.make(0)
      yield* queue.consume((job) =>
        Effect.gen(function*() {
          yield* record(job)
          if ((yield* Ref.getAndUpdate(calls, (n) => n + 1)) === 0) throw new Error("thrown inside the handler")
          return DeliveryJob.done
        }), { concurrency: 1 })
      yield* queue.enqueue([Fixtures.job({ teamspace: Fixtures.teamspace() })])
      yield* settle
      yield* TestClock.adjust(MemoryDeliveryQueue.DEFECT_RETRY_DELAY_MS)
      yield* settle
      yield* TestClock.adjust(60_000)
      yield* settle
      expect(yield* attempts).toEqual([1, 1])
      expect(yield* queue.size).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
    })))

  it.effect("size counts ready, delayed and in-flight jobs", () =>
    provide(Effect.gen(function*() {
      const queue = yield* MemoryDeliveryQueue.MemoryDeliveryQueue
      const gate = yield* Deferred.make<void>()
      const teamspace = Fixtures.teamspace()
      yield* queue.enqueue([Fixtures.job({ teamspace }), Fixtures.job({ teamspace }), Fixtures.job({ teamspace })])
      yield* queue.enqueue([Fixtures.job({ teamspace })], { delayMs: 10 })
      expect(yield* queue.size).toEqual({ ready: 3, delayed: 1, inFlight: 0 })
      yield* queue.consume(() => Effect.as(Deferred.await(gate), DeliveryJob.done), { concurrency: 2 })
      yield* settle
      expect(yield* queue.size).toEqual({ ready: 1, delayed: 1, inFlight: 2 })
      yield* Deferred.succeed(gate, undefined)
      yield* TestClock.adjust(10)
      yield* settle
      expect(yield* queue.size).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
    })))

  it.live("a busy consumer stops when its scope closes, though work keeps coming", () =>
    provide(Effect.gen(function*() {
      const queue = yield* MemoryDeliveryQueue.MemoryDeliveryQueue
      const { handled, record } = yield* recorder
      const teamspace = Fixtures.teamspace()
      const scope = yield* Scope.make()
      // Every handled job enqueues another: the ready queue is never empty.
      yield* Scope.extend(
        queue.consume((job) =>
          record(job).pipe(
            Effect.zipRight(queue.enqueue([Fixtures.job({ teamspace })])),
            Effect.as(DeliveryJob.done)
          ), { concurrency: 2 }),
        scope
      )
      yield* queue.enqueue([Fixtures.job({ teamspace }), Fixtures.job({ teamspace })])
      yield* Fixtures.eventually("100 handled", Effect.map(Ref.get(handled), (all) => all.length >= 100))
      yield* Scope.close(scope, Exit.void)
      const stopped = (yield* Ref.get(handled)).length
      yield* Effect.sleep("100 millis")
      expect((yield* Ref.get(handled)).length).toBe(stopped)
      expect((yield* queue.size).inFlight).toBe(0)
    })))

  it.live("a handler's own timeout still fires while its consumer is closing", () =>
    provide(Effect.gen(function*() {
      const queue = yield* MemoryDeliveryQueue.MemoryDeliveryQueue
      const started = yield* Deferred.make<void>()
      const outcome = yield* Deferred.make<string>()
      const scope = yield* Scope.make()
      yield* Scope.extend(
        queue.consume(() =>
          Deferred.succeed(started, undefined).pipe(
            Effect.zipRight(Effect.never),
            Effect.timeout("100 millis"),
            Effect.catchAll(() => Deferred.succeed(outcome, "timed out")),
            Effect.as(DeliveryJob.done)
          ), { concurrency: 1 }),
        scope
      )
      yield* queue.enqueue([Fixtures.job({ teamspace: Fixtures.teamspace() })])
      yield* Deferred.await(started)
      // Closing waits for the handler, which ends through its timeout, not never.
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* Fiber.join(closing).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => "close hung" }))
      expect(yield* Deferred.poll(outcome).pipe(Effect.flatMap((o) => o._tag === "Some" ? o.value : Effect.succeed("none")))).toBe("timed out")
    })))
})
