/**
 * Conformance suite for `DeliveryQueue` adapters: once-only handling, dedupe
 * of pending keys (across a retry's delay too), delays, `front` jobs, retries,
 * `expedite` (a manual redelivery), the concurrency limit, and consumer shutdown.
 *
 * Real time, short delays (at most 300 ms), because a Redis/BullMQ queue keeps
 * time on its own. On a slow shared machine only orderings and lower bounds
 * ("not before the delay") are asserted, never how quickly something happens.
 * Each test uses its own teamspace and ignores (settles) anyone else's jobs, so
 * a queue shared between tests cannot make one test see another's work.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Deferred, Effect, Exit, type Layer, Ref, Scope } from "effect"
import { DeliveryJob, DeliveryQueue, type Ids } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

/** Time to wait before asserting that nothing more happens. */
const QUIET = "300 millis"
/**
 * A retry's delay no test waits for (longer than `eventually` waits): a job
 * handled after it was asked for was expedited, not retried on schedule.
 */
const NEVER_MS = 60_000
/**
 * Tolerance for "not before": adapters may keep time on another clock (Redis)
 * or have timers that fire a millisecond early.
 */
const SLACK_MS = 15

interface Handled {
  readonly job: DeliveryJob.DeliveryJob
  /** When the handler started, on the live clock. */
  readonly at: number
}

const summary = (job: DeliveryJob.DeliveryJob) => ({
  key: job.key,
  teamspace: job.teamspace,
  eventId: job.eventId,
  webhookId: job.webhookId,
  attempt: job.attempt
})

/** Orders summaries by key, for batches handled in any order. */
const byKey = (a: { readonly key: string }, b: { readonly key: string }) => a.key.localeCompare(b.key)

/** An outcome: attempt 1 asks to Retry after `ms`, any later attempt is Done. */
const firstRetriesAfter = (ms: number) => (job: DeliveryJob.DeliveryJob) =>
  Effect.succeed(job.attempt === 1 ? DeliveryJob.retryAfter(ms) : DeliveryJob.done)

/**
 * An outcome for a job kept in flight: the first call waits for `gate`, then
 * answers `first`; every later call answers `later` at once.
 */
const firstHeldAt = (
  gate: Deferred.Deferred<void>,
  first: DeliveryJob.DeliveryOutcome,
  later: DeliveryJob.DeliveryOutcome
) => {
  let calls = 0
  return () => ++calls === 1 ? Effect.as(Deferred.await(gate), first) : Effect.succeed(later)
}

type Queue = DeliveryQueue.DeliveryQueueShape

/**
 * A recording handler for one teamspace's jobs: `outcome` decides each one.
 * Other teamspaces' jobs (left over from another test on a shared queue) are
 * settled unrecorded.
 */
const recorder = (teamspace: Ids.TeamspaceId) =>
  Effect.gen(function*() {
    const handled = yield* Ref.make<ReadonlyArray<Handled>>([])
    const fanOuts = yield* Ref.make<ReadonlyArray<DeliveryJob.FanOutJob>>([])
    const handler = (
      outcome: (job: DeliveryJob.DeliveryJob) => Effect.Effect<DeliveryJob.DeliveryOutcome> = () =>
        Effect.succeed(DeliveryJob.done)
    ) =>
    (job: DeliveryJob.QueueTask): Effect.Effect<DeliveryJob.DeliveryOutcome> =>
      job.teamspace !== teamspace
        ? Effect.succeed(DeliveryJob.done)
        : DeliveryJob.isFanOut(job)
        ? Effect.as(Ref.update(fanOuts, (all) => [...all, job]), DeliveryJob.done)
        : Clock.currentTimeMillis.pipe(
          Effect.flatMap((at) => Ref.update(handled, (all) => [...all, { job, at }])),
          Effect.zipRight(Effect.suspend(() => outcome(job)))
        )
    const count = Effect.map(Ref.get(handled), (all) => all.length)
    const waitFor = (n: number) => Fixtures.eventually(`${n} job(s) handled`, Effect.map(count, (c) => c >= n))
    /** Waits for `n` jobs handled and a quiet time after, then gives the attempts handled, in order. */
    const attemptsOnceQuiet = (n: number) =>
      waitFor(n).pipe(
        Effect.zipRight(Effect.sleep(QUIET)),
        Effect.zipRight(Ref.get(handled)),
        Effect.map((all) => all.map((h) => h.job.attempt))
      )
    return { handled, fanOuts, handler, count, waitFor, attemptsOnceQuiet } as const
  })

/**
 * Counts the handlers running at once: `around` wraps a handler's work, `peak`
 * is the most seen together.
 */
const concurrencyMeter = Effect.gen(function*() {
  const running = yield* Ref.make(0)
  const peak = yield* Ref.make(0)
  const around = <A>(work: Effect.Effect<A>): Effect.Effect<A> =>
    Ref.updateAndGet(running, (n) => n + 1).pipe(
      Effect.flatMap((n) => Ref.update(peak, (p) => Math.max(p, n))),
      Effect.zipRight(work),
      Effect.zipLeft(Ref.update(running, (n) => n - 1))
    )
  return { running, peak: Ref.get(peak), around } as const
})

/** What every test starts with: the queue, a teamspace of its own, and a recorder for it. */
interface TestContext extends Effect.Effect.Success<ReturnType<typeof recorder>> {
  readonly queue: Queue
  readonly teamspace: Ids.TeamspaceId
  /** A new job (a new webhook and event) in the test's teamspace. */
  readonly job: () => DeliveryJob.DeliveryJob
  /**
   * After `job` was handled once: nothing more comes of it, and its key is free
   * (settled), so enqueued again it is handled again, once.
   */
  readonly handledOnceThenFree: (job: DeliveryJob.DeliveryJob) => Effect.Effect<void>
}

/**
 * `delayed`, from the adapter's own inspection (the layer provides it): how many
 * jobs wait for their delay, so a test can see a retry has reached the queue.
 */
export const suite = <I>(
  name: string,
  layer: Layer.Layer<DeliveryQueue.DeliveryQueue | I, unknown>,
  delayed: Effect.Effect<number, never, I>
) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: (context: TestContext) => Effect.Effect<A, E, Scope.Scope | I>) =>
      it.live(title, () =>
        Effect.gen(function*() {
          const queue = yield* DeliveryQueue.DeliveryQueue
          const teamspace = Fixtures.teamspace()
          const recorded = yield* recorder(teamspace)
          const handledOnceThenFree = (job: DeliveryJob.DeliveryJob) =>
            Effect.gen(function*() {
              yield* Effect.sleep(QUIET)
              expect(yield* recorded.count).toBe(1)
              yield* queue.enqueue([job])
              yield* recorded.waitFor(2)
              yield* Effect.sleep(QUIET)
              expect(yield* recorded.count).toBe(2)
            })
          return yield* body({
            ...recorded,
            queue,
            teamspace,
            job: () => Fixtures.job({ teamspace }),
            handledOnceThenFree
          })
        }).pipe(
          Effect.scoped,
          Effect.provide(layer)
        ))

    test("a consumed job is handled once", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const one = job()
        yield* queue.consume(handler(), { concurrency: 2 })
        yield* queue.enqueue([one])
        yield* waitFor(1)
        yield* Effect.sleep(QUIET)
        expect((yield* Ref.get(handled)).map((h) => summary(h.job))).toEqual([summary(one)])
      }))

    test("a fan-out step arrives as a FanOutJob with its fields, once, beside delivery jobs", ({ fanOuts, handler, job, queue, teamspace, waitFor }) =>
      Effect.gen(function*() {
        const delivery = job()
        const step = new DeliveryJob.FanOutJob({ teamspace, eventId: delivery.eventId, after: delivery.webhookId })
        yield* queue.consume(handler(), { concurrency: 2 })
        yield* queue.enqueue([step, delivery, step])
        yield* waitFor(1)
        yield* Fixtures.eventually("the fan-out step handled", Effect.map(Ref.get(fanOuts), (all) => all.length >= 1))
        yield* Effect.sleep(QUIET)
        const seen = yield* Ref.get(fanOuts)
        expect(seen).toHaveLength(1)
        expect(seen[0]).toBeInstanceOf(DeliveryJob.FanOutJob)
        expect({ ...seen[0] }).toEqual({ ...step })
      }))

    test("every job of a batch is handled exactly once", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const jobs = Array.from({ length: 10 }, job)
        yield* queue.consume(handler(), { concurrency: 4 })
        yield* queue.enqueue(jobs)
        yield* waitFor(jobs.length)
        yield* Effect.sleep(QUIET)
        const keys = (yield* Ref.get(handled)).map((h) => h.job.key).sort()
        expect(keys).toEqual(jobs.map((j) => j.key).sort())
      }))

    test("jobs enqueued before the consumer starts are handled, delayed ones included", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const now = Array.from({ length: 3 }, job)
        const later = job()
        yield* queue.enqueue(now)
        yield* queue.enqueue([later], { delayMs: 100 })
        yield* Effect.sleep("50 millis")
        yield* queue.consume(handler(), { concurrency: 2 })
        yield* waitFor(4)
        const keys = (yield* Ref.get(handled)).map((h) => h.job.key).sort()
        expect(keys).toEqual([...now, later].map((j) => j.key).sort())
      }))

    test("a front job runs before the jobs already waiting; the rest keep their order", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const waiting = Array.from({ length: 4 }, job)
        const urgent = job()
        yield* queue.enqueue(waiting)
        yield* queue.enqueue([urgent], { front: true })
        // A pending key stays deduplicated whichever end it was queued at.
        yield* queue.enqueue([urgent], { front: true })
        yield* queue.enqueue([urgent])
        yield* queue.consume(handler(), { concurrency: 1 })
        yield* waitFor(5)
        yield* Effect.sleep(QUIET)
        expect((yield* Ref.get(handled)).map((h) => h.job.key)).toEqual([urgent, ...waiting].map((j) => j.key))
      }))

    test("a key already pending is not enqueued again (same call or a later one)", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const pending = job()
        const other = job()
        yield* queue.enqueue([pending, pending])
        // A later attempt of the same (webhook, event) pair has the same key.
        yield* queue.enqueue([pending.next(), other, pending])
        yield* queue.enqueue([pending], { delayMs: 50 })
        yield* queue.consume(handler(), { concurrency: 4 })
        yield* waitFor(2)
        yield* Effect.sleep(QUIET)
        const got = (yield* Ref.get(handled)).map((h) => summary(h.job))
        expect(got.sort(byKey)).toEqual([summary(pending), summary(other)].sort(byKey))
      }))

    test("a key in flight is not enqueued again; once Done it can be", ({ handledOnceThenFree, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const gate = yield* Deferred.make<void>()
        const inFlight = job()
        yield* queue.consume(handler(() => Effect.as(Deferred.await(gate), DeliveryJob.done)), { concurrency: 4 })
        yield* queue.enqueue([inFlight])
        yield* waitFor(1)
        yield* queue.enqueue([inFlight])
        yield* Effect.sleep("100 millis")
        yield* Deferred.succeed(gate, undefined)
        // Done released the key: the pair can be delivered again (redelivery).
        yield* handledOnceThenFree(inFlight)
      }))

    test("a delayed job is not handled before its delay; an undelayed one overtakes it", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const late = job()
        const soon = job()
        yield* queue.consume(handler(), { concurrency: 2 })
        const start = yield* Clock.currentTimeMillis
        yield* queue.enqueue([late], { delayMs: 300 })
        yield* queue.enqueue([soon])
        yield* waitFor(2)
        const [first, second] = yield* Ref.get(handled)
        expect(first!.job.key).toBe(soon.key)
        expect(second!.job.key).toBe(late.key)
        expect(second!.at - start).toBeGreaterThanOrEqual(300 - SLACK_MS)
      }))

    test("Retry re-delivers the next attempt after its delay; Done stops", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const retried = job()
        const outcomes: Record<number, DeliveryJob.DeliveryOutcome> = {
          1: DeliveryJob.retryAfter(0),
          2: DeliveryJob.retryAfter(200),
          3: DeliveryJob.done
        }
        yield* queue.consume(handler((j) => Effect.succeed(outcomes[j.attempt] ?? DeliveryJob.done)), { concurrency: 2 })
        yield* queue.enqueue([retried])
        yield* waitFor(3)
        yield* Effect.sleep(QUIET)
        const got = yield* Ref.get(handled)
        expect(got.map((h) => summary(h.job))).toEqual([
          summary(retried),
          summary(retried.next()),
          summary(retried.next().next())
        ])
        expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(200 - SLACK_MS)
      }))

    test("Defer re-delivers the same attempt after its delay, keeping the key pending", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const deferred = job()
        let calls = 0
        yield* queue.consume(
          handler(() => Effect.succeed(++calls <= 2 ? DeliveryJob.deferFor(150) : DeliveryJob.done)),
          { concurrency: 2 }
        )
        yield* queue.enqueue([deferred])
        yield* waitFor(1)
        // Deferred, so still pending: this is dropped.
        yield* queue.enqueue([deferred])
        yield* waitFor(3)
        yield* Effect.sleep(QUIET)
        const got = yield* Ref.get(handled)
        expect(got.map((h) => summary(h.job))).toEqual([summary(deferred), summary(deferred), summary(deferred)])
        expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(150 - SLACK_MS)
        expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(150 - SLACK_MS)
      }))

    test("dedupe holds across a retry's delay", ({ attemptsOnceQuiet, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const retried = job()
        yield* queue.consume(handler(firstRetriesAfter(300)), { concurrency: 2 })
        yield* queue.enqueue([retried])
        yield* waitFor(1)
        // Attempt 1 said Retry: attempt 2 is pending (delayed), so these are dropped.
        yield* Effect.sleep("50 millis")
        yield* queue.enqueue([retried])
        yield* queue.enqueue([retried.next().next()])
        expect(yield* attemptsOnceQuiet(2)).toEqual([1, 2])
      }))

    test("expedite makes a job waiting for its retry due now, as the attempt it was waiting to make, once", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const waiting = job()
        yield* queue.consume(handler(firstRetriesAfter(NEVER_MS)), { concurrency: 2 })
        yield* queue.enqueue([waiting])
        yield* waitFor(1)
        // Attempt 1's Retry has reached the queue: attempt 2 is waiting out its delay.
        const inspect = Effect.provide(delayed, yield* Effect.context<I>())
        yield* Fixtures.eventually("attempt 2 is delayed", Effect.map(inspect, (n) => n === 1))
        // Given as attempt 1, like a redelivery: the pending attempt 2 is what runs.
        yield* queue.expedite([waiting])
        yield* waitFor(2)
        yield* Effect.sleep(QUIET)
        expect((yield* Ref.get(handled)).map((h) => summary(h.job))).toEqual([summary(waiting), summary(waiting.next())])
      }))

    test("expedite enqueues a key not pending, due now, as given; a key due already is left as it is", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const waiting = job()
        const fresh = job()
        yield* queue.enqueue([waiting])
        yield* queue.expedite([waiting, fresh, fresh])
        yield* queue.expedite([waiting, fresh])
        yield* queue.consume(handler(), { concurrency: 2 })
        yield* waitFor(2)
        yield* Effect.sleep(QUIET)
        const got = (yield* Ref.get(handled)).map((h) => summary(h.job))
        expect(got.sort(byKey)).toEqual([summary(waiting), summary(fresh)].sort(byKey))
        // Settled, the pair is redelivered from the attempt given.
        yield* queue.expedite([fresh])
        yield* waitFor(3)
        expect((yield* Ref.get(handled))[2]!.job.key).toBe(fresh.key)
      }))

    test("expedite never runs a job in flight twice; if that attempt asks to Retry, the next is due at once", ({ attemptsOnceQuiet, count, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const gate = yield* Deferred.make<void>()
        const meter = yield* concurrencyMeter
        const inFlight = job()
        const outcome = (j: DeliveryJob.DeliveryJob) =>
          meter.around(j.attempt === 1 ? Deferred.await(gate) : Effect.void).pipe(
            Effect.as(j.attempt === 1 ? DeliveryJob.retryAfter(NEVER_MS) : DeliveryJob.done)
          )
        yield* queue.consume(handler(outcome), { concurrency: 4 })
        yield* queue.enqueue([inFlight])
        yield* waitFor(1)
        yield* queue.expedite([inFlight])
        yield* Effect.sleep("100 millis")
        expect(yield* count).toBe(1)
        yield* Deferred.succeed(gate, undefined)
        expect(yield* attemptsOnceQuiet(2)).toEqual([1, 2])
        expect(yield* meter.peak).toBe(1)
      }))

    test("expedite of a job in flight that is then Done sends nothing more, and marks no later attempt", ({ handledOnceThenFree, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const gate = yield* Deferred.make<void>()
        const inFlight = job()
        yield* queue.consume(handler(firstHeldAt(gate, DeliveryJob.done, DeliveryJob.retryAfter(NEVER_MS))), { concurrency: 2 })
        yield* queue.enqueue([inFlight])
        yield* waitFor(1)
        yield* queue.expedite([inFlight])
        yield* Deferred.succeed(gate, undefined)
        // The pair again: its failure waits for its schedule, the redelivery was answered.
        yield* handledOnceThenFree(inFlight)
      }))

    test("expedite of a job in flight that then gives up starts the delivery again at attempt 1, at once", ({ attemptsOnceQuiet, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const gate = yield* Deferred.make<void>()
        const meter = yield* concurrencyMeter
        // Its last attempt (the third) is in flight when the redelivery comes, and fails.
        const last = job().next().next()
        let calls = 0
        const outcome = () => {
          const first = ++calls === 1
          return meter.around(first ? Deferred.await(gate) : Effect.void).pipe(
            Effect.as(first ? DeliveryJob.givenUp : DeliveryJob.retryAfter(NEVER_MS))
          )
        }
        yield* queue.consume(handler(outcome), { concurrency: 4 })
        yield* queue.enqueue([last])
        yield* waitFor(1)
        yield* queue.expedite([last])
        yield* Deferred.succeed(gate, undefined)
        expect(yield* attemptsOnceQuiet(2)).toEqual([3, 1])
        expect(yield* meter.peak).toBe(1)
      }))

    test("expedite `again` of a job in flight that then settles its sequence runs the delivery again at attempt 1; a plain one does not", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const gates = new Map([[1, yield* Deferred.make<void>()], [2, yield* Deferred.make<void>()]])
        // Two ordered webhooks' events, each in its second attempt when redelivered.
        const plain = job().next()
        const again = job().next()
        let calls = 0
        const outcome = (j: DeliveryJob.DeliveryJob) => {
          const gate = gates.get(++calls)
          return Effect.as(gate === undefined ? Effect.void : Deferred.await(gate), j.attempt === 1 ? DeliveryJob.done : DeliveryJob.sequenced)
        }
        yield* queue.consume(handler(outcome), { concurrency: 4 })
        yield* queue.enqueue([plain, again])
        yield* waitFor(2)
        yield* queue.expedite([plain])
        yield* queue.expedite([again], { again: true })
        for (const gate of gates.values()) yield* Deferred.succeed(gate, undefined)
        yield* waitFor(3)
        yield* Effect.sleep(QUIET)
        const got = (yield* Ref.get(handled)).map((h) => [h.job.key, h.job.attempt])
        expect(got.filter(([key]) => key === plain.key)).toEqual([[plain.key, 2]])
        expect(got.filter(([key]) => key === again.key)).toEqual([[again.key, 2], [again.key, 1]])
      }))

    test("a job that gives up with no redelivery asked for settles", ({ handledOnceThenFree, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const givenUp = job()
        yield* queue.consume(handler(() => Effect.succeed(DeliveryJob.givenUp)), { concurrency: 2 })
        yield* queue.enqueue([givenUp])
        yield* waitFor(1)
        // Settled: the key is free again.
        yield* handledOnceThenFree(givenUp)
      }))

    test("expedite of a job in flight keeps a Defer's delay (a rate limit still holds)", ({ handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const gate = yield* Deferred.make<void>()
        const inFlight = job()
        yield* queue.consume(handler(firstHeldAt(gate, DeliveryJob.deferFor(300), DeliveryJob.done)), { concurrency: 2 })
        yield* queue.enqueue([inFlight])
        yield* waitFor(1)
        yield* queue.expedite([inFlight])
        const released = yield* Clock.currentTimeMillis
        yield* Deferred.succeed(gate, undefined)
        yield* waitFor(2)
        const got = yield* Ref.get(handled)
        expect(got.map((h) => h.job.attempt)).toEqual([1, 1])
        expect(got[1]!.at - released).toBeGreaterThanOrEqual(300 - SLACK_MS)
      }))

    test("at most `concurrency` handlers run at once", ({ handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const meter = yield* concurrencyMeter
        const slow = () => meter.around(Effect.sleep("60 millis")).pipe(Effect.as(DeliveryJob.done))
        yield* queue.enqueue(Array.from({ length: 12 }, job))
        yield* queue.consume(handler(slow), { concurrency: 3 })
        yield* waitFor(12)
        yield* Fixtures.eventually("handlers finished", Effect.map(Ref.get(meter.running), (n) => n === 0))
        const max = yield* meter.peak
        expect(max).toBeLessThanOrEqual(3)
        // And the limit is a limit, not a serialisation: handlers did overlap.
        expect(max).toBeGreaterThanOrEqual(2)
      }))

    test("closing the consumer's scope stops consumption; queued jobs wait for the next consumer", ({ count, handled, handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const first = job()
        const second = job()
        const scope = yield* Scope.make()
        yield* Scope.extend(queue.consume(handler(), { concurrency: 2 }), scope)
        yield* queue.enqueue([first])
        yield* waitFor(1)
        yield* Scope.close(scope, Exit.void)

        yield* queue.enqueue([second])
        yield* Effect.sleep(QUIET)
        expect(yield* count).toBe(1)

        yield* queue.consume(handler(), { concurrency: 1 })
        yield* waitFor(2)
        expect((yield* Ref.get(handled)).map((h) => h.job.key)).toEqual([first.key, second.key])
      }))

    test("closing the consumer's scope lets a handler in flight finish, and its outcome counts", ({ handler, job, queue, waitFor }) =>
      Effect.gen(function*() {
        const finished = yield* Ref.make(0)
        const inFlight = job()
        const scope = yield* Scope.make()
        const slow = () => Effect.sleep("200 millis").pipe(Effect.zipRight(Ref.update(finished, (n) => n + 1)), Effect.as(DeliveryJob.done))
        yield* Scope.extend(queue.consume(handler(slow), { concurrency: 1 }), scope)
        yield* queue.enqueue([inFlight])
        yield* waitFor(1)
        yield* Scope.close(scope, Exit.void)
        expect(yield* Ref.get(finished)).toBe(1)

        // The Done was recorded: the key is free again.
        yield* queue.consume(handler(), { concurrency: 1 })
        yield* queue.enqueue([inFlight])
        yield* waitFor(2)
      }))
  })
