/**
 * DeliveryQueue in process memory: the embedded default, where retries must
 * work without Redis.
 *
 * Every pending job is in exactly one of three places: ready (to run now:
 * `ahead`, the `front` jobs, taken before `ready`), `delayed` (sorted by due
 * time) or in flight (taken by a consumer, not yet settled). `pending` holds
 * the keys of all three, so dedupe holds across a retry's delay too. Every state change is one synchronous step, which keeps
 * that invariant without locks (and makes `inFlight` exact).
 *
 * `expedite` finds a delayed job by its key (`delayedDue`, then a binary
 * search among equal due times) and moves it to `ready`; a key in flight is
 * marked in `expedited`, which its settling reads: a `Retry` is then placed due
 * now, and a give-up is placed again as attempt 1, due now. Both are
 * synchronous steps like the rest, so a job cannot be taken between the lookup
 * and the move, and is never in two places.
 *
 * One scheduler fiber (not a timer per job) sleeps until the earliest delayed
 * job is due, on the Effect `Clock`, so tests can drive it with `TestClock`.
 * Consumers wait on a FIFO of wake-ups rather than an Effect `Queue`: a
 * `Queue.take` interrupted just as an element is handed to it loses the element,
 * and a lost job here would also leave its key pending forever.
 */
import { Clock, Context, Deferred, Effect, Exit, Fiber, FiberId, Layer, type Scope } from "effect"
import { DeliveryJob, DeliveryQueue } from "@herald/core"

/**
 * A handler that dies (a bug, not a failed delivery: the Dispatcher turns
 * every delivery failure into an outcome) is retried: the same attempt again
 * after `DEFECT_RETRY_DELAY_MS`, at most `MAX_DEFECT_RETRIES` times, then the
 * job is settled as Done and logged. A transient defect (say a store hiccup)
 * then costs a second, not the delivery; a deterministic one cannot spin.
 */
export const DEFECT_RETRY_DELAY_MS = 1_000
/**
 * How many times a job whose handler died is tried again before it is settled (see
 * `DEFECT_RETRY_DELAY_MS`).
 */
export const MAX_DEFECT_RETRIES = 3

/** How many jobs the queue holds, by state: what `MemoryDeliveryQueueShape.size` reports. */
export interface QueueSize {
  /** Due and waiting for a consumer. */
  readonly ready: number
  /** Waiting for their delay (first attempts or retries). */
  readonly delayed: number
  /** Taken by a consumer and not yet settled. */
  readonly inFlight: number
}

/** The port plus an inspection helper for tests and benchmarks. */
export interface MemoryDeliveryQueueShape extends DeliveryQueue.DeliveryQueueShape {
  readonly size: Effect.Effect<QueueSize>
}

/**
 * The in-memory queue with its `size`, for tests and benchmarks that wait for the queue to drain.
 * `layer` provides it beside the `DeliveryQueue` port.
 */
export class MemoryDeliveryQueue extends Context.Tag("@herald/memory/MemoryDeliveryQueue")<
  MemoryDeliveryQueue,
  MemoryDeliveryQueueShape
>() {}

interface Delayed {
  readonly dueAt: number
  readonly job: DeliveryJob.QueueTask
}

/** A FIFO with O(1) take (Array#shift is O(n) on large arrays). */
class Fifo<A> {
  private items: Array<A> = []
  private head = 0
  get length(): number {
    return this.items.length - this.head
  }
  push(item: A): void {
    this.items.push(item)
  }
  take(): A | undefined {
    if (this.head === this.items.length) return undefined
    const item = this.items[this.head]
    this.head++
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }
  peek(): A | undefined {
    return this.head === this.items.length ? undefined : this.items[this.head]
  }
}

/**
 * A consumer yields to the event loop (timers, sockets) every this many steps.
 * Effect (3.20+) keeps a scheduler runner per fiber, and a consumer hands off
 * to a new handler fiber for every job, so no runner gets deep enough to fall
 * back from microtasks to `setTimeout`: handlers that finish without I/O (a
 * backlog of dropped deliveries, say) would otherwise starve the whole process.
 */
const STEPS_PER_MACROTASK = 32

const macrotask = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

const firstAttempt = (job: DeliveryJob.DeliveryJob) => new DeliveryJob.DeliveryJob({ ...job, attempt: 1 })

const newSignal = () => Deferred.unsafeMake<void>(FiberId.none)
const fire = (signal: Deferred.Deferred<void>) => Deferred.unsafeDone(signal, Exit.void)

/**
 * A new in-memory queue whose scheduler and handlers live in the caller's scope. Most callers want
 * `layer`.
 */
export const make: Effect.Effect<MemoryDeliveryQueueShape, never, Scope.Scope> = Effect.gen(function*() {
  /** The queue's own lifetime: the scheduler and running handlers end with it. */
  const queueScope = yield* Effect.scope
  const pending = new Set<string>()
  const ready = new Fifo<DeliveryJob.QueueTask>()
  /** When each job in `ready` became due, in the same order (for `depth`'s oldest waiting). */
  const readySince = new Fifo<number>()
  /** The same for `ahead`. */
  const aheadSince = new Fifo<number>()
  /** Ready jobs enqueued with `front`: taken before any in `ready`. */
  const ahead = new Fifo<DeliveryJob.QueueTask>()
  /** Ascending by `dueAt`; equal times keep insertion order. */
  const delayed: Array<Delayed> = []
  /** The due time of each key in `delayed`, to find its entry without a scan. */
  const delayedDue = new Map<string, number>()
  /** Keys taken by a consumer and not yet settled. */
  const inFlight = new Set<string>()
  /** Keys in flight that a redelivery asked for (true: `again`): a `Retry` of theirs is due at once. */
  const expedited = new Map<string, boolean>()
  /** Defect retries so far, by job key. */
  const defects = new Map<string, number>()
  /** Idle consumers, oldest first; each is woken at most once per ready job. */
  const idle: Array<Deferred.Deferred<void>> = []
  /** Completed (and replaced) when the earliest due time moves earlier. */
  let schedulerSignal = newSignal()

  const wakeConsumers = (count: number) => {
    for (let i = 0; i < count; i++) {
      const consumer = idle.shift()
      if (consumer === undefined) return
      fire(consumer)
    }
  }

  /** The first index whose due time is after `dueAt` (`orEqual`: at or after). */
  const indexAfter = (dueAt: number, orEqual = false) => {
    let low = 0
    let high = delayed.length
    while (low < high) {
      const mid = (low + high) >>> 1
      const due = delayed[mid]!.dueAt
      if (due < dueAt || (!orEqual && due === dueAt)) low = mid + 1
      else high = mid
    }
    return low
  }

  /** The next job: those ahead first, each taken with its due time. */
  const takeNext = () => {
    if (ahead.length > 0) {
      aheadSince.take()
      return ahead.take()
    }
    readySince.take()
    return ready.take()
  }

  /** Puts a job whose key is already in `pending` where it belongs. */
  const place = (job: DeliveryJob.QueueTask, delayMs: number, now: number, front = false) => {
    if (!(delayMs > 0)) {
      if (front) {
        ahead.push(job)
        aheadSince.push(now)
      } else {
        ready.push(job)
        readySince.push(now)
      }
      wakeConsumers(1)
      return
    }
    const dueAt = now + delayMs
    const low = indexAfter(dueAt)
    delayed.splice(low, 0, { dueAt, job })
    delayedDue.set(job.key, dueAt)
    if (low === 0) {
      const signal = schedulerSignal
      schedulerSignal = newSignal()
      fire(signal)
    }
  }

  const enqueue = (jobs: ReadonlyArray<DeliveryJob.QueueTask>, options?: DeliveryQueue.EnqueueOptions) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => {
        for (const job of jobs) {
          if (pending.has(job.key)) continue
          pending.add(job.key)
          place(job, options?.delayMs ?? 0, now, options?.front === true)
        }
      }))

  /** Takes a key's job out of `delayed`, if it is there. */
  const takeDelayed = (key: string): DeliveryJob.QueueTask | undefined => {
    const dueAt = delayedDue.get(key)
    if (dueAt === undefined) return undefined
    for (let i = indexAfter(dueAt, true); i < delayed.length && delayed[i]!.dueAt === dueAt; i++) {
      const { job } = delayed[i]!
      if (job.key !== key) continue
      delayed.splice(i, 1)
      delayedDue.delete(key)
      return job
    }
    return undefined
  }

  /**
   * A delayed job is moved to `ready` as it was (the attempt it was waiting to
   * make; the scheduler, waking at its old due time, finds nothing); a key in
   * flight is marked; a key not pending is enqueued due now.
   */
  const expedite = (jobs: ReadonlyArray<DeliveryJob.DeliveryJob>, options?: DeliveryQueue.ExpediteOptions) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => {
        for (const job of jobs) {
          const key = job.key
          if (!pending.has(key)) {
            pending.add(key)
            place(job, 0, now)
            continue
          }
          const waiting = takeDelayed(key)
          if (waiting !== undefined) place(waiting, 0, now)
          else if (inFlight.has(key)) expedited.set(key, expedited.get(key) === true || options?.again === true)
        }
      }))

  /** Moves due jobs to `ready`; returns the earliest remaining due time and the signal to wait on. */
  const promote = (now: number) =>
    Effect.sync(() => {
      let due = 0
      while (due < delayed.length && delayed[due]!.dueAt <= now) due++
      for (const { dueAt, job } of delayed.splice(0, due)) {
        delayedDue.delete(job.key)
        ready.push(job)
        readySince.push(dueAt)
      }
      wakeConsumers(due)
      return { next: delayed[0]?.dueAt, signal: schedulerSignal }
    })

  const scheduler = Effect.gen(function*() {
    while (true) {
      const now = yield* Clock.currentTimeMillis
      const { next, signal } = yield* promote(now)
      const woken = Deferred.await(signal)
      yield* next === undefined ? woken : Effect.raceFirst(Effect.sleep(next - now), woken)
    }
  })
  yield* Effect.forkIn(scheduler, queueScope)

  /** Records how a handled job ended: settled, or placed again for its next try. */
  const settle = (job: DeliveryJob.QueueTask, exit: Exit.Exit<DeliveryJob.DeliveryOutcome>) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const key = job.key
      inFlight.delete(key)
      // A redelivery asked for while this attempt was in flight; it is answered by now.
      const again = expedited.get(key)
      const redeliver = expedited.delete(key)
      if (Exit.isSuccess(exit)) {
        defects.delete(key)
        if (exit.value._tag === "Retry") place(job.next(), redeliver ? 0 : exit.value.delayMs, now)
        else if (exit.value._tag === "Defer") place(job, exit.value.delayMs, now)
        // Given up while a redelivery was asked for, or an ordered webhook's event put back in its
        // sequence during this attempt: started again, the key still pending.
        else if (
          !DeliveryJob.isFanOut(job) &&
          ((redeliver && exit.value.givenUp === true) || (again === true && exit.value.sequenced === true))
        ) place(firstAttempt(job), 0, now)
        else pending.delete(key)
        return
      }
      const retries = (defects.get(key) ?? 0) + 1
      if (retries <= MAX_DEFECT_RETRIES) {
        defects.set(key, retries)
        place(job, DEFECT_RETRY_DELAY_MS, now)
        yield* Effect.logWarning(`delivery handler died; retry ${retries} of ${MAX_DEFECT_RETRIES}`, exit.cause).pipe(
          Effect.annotateLogs(job.logAnnotations)
        )
      } else {
        defects.delete(key)
        pending.delete(key)
        yield* Effect.logError("delivery handler died; job dropped", exit.cause).pipe(Effect.annotateLogs(job.logAnnotations))
      }
    })

  const consume = <R>(
    handle: (job: DeliveryJob.QueueTask) => Effect.Effect<DeliveryJob.DeliveryOutcome, never, R>,
    options: DeliveryQueue.ConsumeOptions
  ): Effect.Effect<void, never, R | Scope.Scope> => {
    // Closing the consumer's scope lets a delivery in flight finish and its outcome
    // be recorded, instead of losing the job mid-request. Taking a job and
    // awaiting its outcome are one uninterruptible step; the only interruption
    // point is the wait for work, where nothing is held. The handler itself runs
    // in its own interruptible fiber: inside an uninterruptible region an
    // `Effect.timeout` cannot interrupt what it times, so wrapping the handler in
    // `Effect.uninterruptible` would switch off the delivery timeout. The fiber
    // lives in the queue's scope, so tearing the whole queue down still ends it.
    const run = (job: DeliveryJob.QueueTask) =>
      Effect.forkIn(Effect.interruptible(Effect.suspend(() => handle(job))), queueScope).pipe(
        Effect.flatMap(Fiber.await),
        Effect.flatMap((exit) => settle(job, exit))
      )
    const step = Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const job = takeNext()
        if (job !== undefined) {
          inFlight.add(job.key)
          return run(job)
        }
        const wake = newSignal()
        idle.push(wake)
        return restore(Deferred.await(wake)).pipe(
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              const index = idle.indexOf(wake)
              if (index >= 0) idle.splice(index, 1)
              // Woken for a job but leaving: hand the wake-up on.
              else if (ahead.length + ready.length > 0) wakeConsumers(1)
            })
          )
        )
      })
    )
    // Yield between steps: an interruption point for a busy consumer whose scope
    // is closing, and now and then a real macrotask (see STEPS_PER_MACROTASK).
    const consumer = Effect.suspend(() => {
      let steps = 0
      const pause = Effect.suspend(() => ++steps % STEPS_PER_MACROTASK === 0 ? macrotask : Effect.yieldNow())
      return Effect.forever(Effect.zipRight(step, pause))
    })
    const count = Math.max(1, Math.floor(options.concurrency) || 1)
    return Effect.forkScoped(
      Effect.all(Array.from({ length: count }, () => consumer), { concurrency: "unbounded", discard: true })
    ).pipe(Effect.asVoid)
  }

  const size = Effect.sync((): QueueSize => ({
    ready: ahead.length + ready.length,
    delayed: delayed.length,
    inFlight: inFlight.size
  }))

  const depth = Effect.map(Clock.currentTimeMillis, (now): DeliveryQueue.QueueDepth => {
    const since = Math.min(readySince.peek() ?? Infinity, aheadSince.peek() ?? Infinity)
    return {
      waiting: ahead.length + ready.length,
      delayed: delayed.length,
      active: inFlight.size,
      // A job that died too often is settled here, not kept.
      failed: 0,
      oldestWaitingMs: since === Infinity ? 0 : Math.max(0, now - since)
    }
  })

  return { enqueue, expedite, consume, size, depth }
})

/** Provides the port and, for inspection, the same queue as `MemoryDeliveryQueue`. */
export const layer: Layer.Layer<DeliveryQueue.DeliveryQueue | MemoryDeliveryQueue> = Layer.scopedContext(
  Effect.map(make, (queue) => Context.make(DeliveryQueue.DeliveryQueue, queue).pipe(Context.add(MemoryDeliveryQueue, queue)))
)
