/**
 * Port: the queue of pending deliveries. Jobs carry ids only. A job whose key is
 * already pending (queued, delayed or in flight) is not enqueued again.
 *
 * A key has one job at a time, so a delivery is never attempted twice in
 * parallel, whatever is asked of the queue: `expedite` (a manual redelivery)
 * moves that job up rather than adding a second one.
 */
import { Context, type Effect, type Scope } from "effect"
import type { DeliveryJob, DeliveryOutcome, QueueTask } from "./DeliveryJob.js"

/** How `DeliveryQueueShape.consume` runs its handlers. */
export interface ConsumeOptions {
  /** Deliveries in flight at once in this process. */
  readonly concurrency: number
}

/** When an enqueued job becomes due and where it joins the line. */
export interface EnqueueOptions {
  /** Run after this delay. Default 0. */
  readonly delayMs?: number
  /**
   * Run ahead of the jobs already waiting (default false): for work that makes
   * more work, like a fan-out step, which would otherwise wait behind the
   * deliveries it just enqueued. Among such jobs the order is unspecified. Only
   * for jobs due now: a delayed job joins the back of the line when it is due.
   */
  readonly front?: boolean
}

/** What a queue holds (`DeliveryQueueShape.depth`). */
export interface QueueDepth {
  /** Due, not yet taken by a worker. */
  readonly waiting: number
  /** Waiting for their delay (a retry, a rate limit's slot). */
  readonly delayed: number
  /** Taken by a worker, in flight. */
  readonly active: number
  /** Settled by the queue after too many defects (kept for inspection). */
  readonly failed: number
  /** How long the job next in line has been due, in milliseconds; 0 when none waits. */
  readonly oldestWaitingMs: number
}

/** Options of `DeliveryQueueShape.expedite`. */
export interface ExpediteOptions {
  /**
   * An ordered webhook's event put back in its sequence just after its attempt
   * in flight settled it (default false): that attempt no longer answers the
   * redelivery, so if it ends with a `sequenced` `Done`, the delivery runs again
   * at attempt 1, due now, instead of settling.
   */
  readonly again?: boolean
}

/**
 * What a delivery queue adapter implements (`MemoryDeliveryQueue`, `BullMQDeliveryQueue`): enqueue,
 * expedite and consume jobs, one job per key at a time. Every adapter runs the conformance suite in
 * `@herald/testkit/conformance`.
 */
export interface DeliveryQueueShape {
  /** Enqueue jobs (after `delayMs`, ahead when `front`); duplicates of pending keys are dropped. */
  readonly enqueue: (jobs: ReadonlyArray<QueueTask>, options?: EnqueueOptions) => Effect.Effect<void>
  /**
   * Makes these deliveries due now (a manual redelivery), each by its key's state:
   * - not pending: enqueued as given, due now;
   * - waiting for its delay (a retry, a rate limit's slot, a delayed first
   *   attempt): made due now, as the attempt it was waiting to make;
   * - due already: left as it is;
   * - in flight: left to finish (never a second attempt beside it); if it asks to
   *   `Retry`, the next attempt is due at once instead of after the delay; if it
   *   gives up (`Done` with `givenUp`), the delivery starts again at attempt 1,
   *   due now, instead of settling. `Defer` and any other `Done` are kept: a rate
   *   limit still holds, and a delivery that just succeeded is not sent again.
   * Due means due: a delivery made due joins the deliveries already due, behind
   * them, and its handler still applies the webhook's rate limit.
   */
  readonly expedite: (jobs: ReadonlyArray<DeliveryJob>, options?: ExpediteOptions) => Effect.Effect<void>
  /**
   * A random value the queue's storage keeps, made by the first read: a value different from the
   * one last seen means the storage lost its data (a Redis restarted empty) and with it the jobs
   * it held, which the `Reconciler` then rebuilds from the `DeliveryLedger`. Absent for a queue
   * that lives and dies with its process (memory).
   */
  readonly epoch?: Effect.Effect<string> | undefined
  /**
   * One round trip to the queue's storage, which succeeds when it answers: what `Readiness.check`
   * asks of the queue. Absent for a queue that lives in its process (memory).
   */
  readonly ping?: Effect.Effect<void, unknown> | undefined
  /**
   * How many jobs the queue holds in each state, and how long the job next in line has been due:
   * the queue's metrics (`herald_queue_jobs`, `herald_queue_oldest_waiting_seconds`), read when they
   * are exported. Absent for a queue that cannot say.
   */
  readonly depth?: Effect.Effect<QueueDepth, unknown> | undefined
  /**
   * Starts consumers in the caller's scope and returns at once. They run until the
   * scope closes; closing waits for handlers in flight (an adapter must not make a
   * handler uninterruptible: that would also disable its timeout). An adapter on a
   * server may bound that wait (BullMQ's `drainTimeoutMs`), so that a stop completes
   * while the server is unreachable: past it, the handlers still running are
   * interrupted and their jobs left pending, to be run again. `Retry` re-queues
   * the job's next attempt after the delay, keeping the key pending; `Defer` re-queues
   * the same attempt after the delay, likewise; `Done` settles it and frees the key,
   * so the pair may be enqueued again. A defect is retried as
   * the same attempt a bounded number of times, then settled.
   */
  readonly consume: <R>(
    handle: (job: QueueTask) => Effect.Effect<DeliveryOutcome, never, R>,
    options: ConsumeOptions
  ) => Effect.Effect<void, never, R | Scope.Scope>
}

/**
 * The delivery queue port. Provided by an adapter layer (`MemoryDeliveryQueue.layer`,
 * `BullMQDeliveryQueue.layer`); `Publisher` and `Replay` enqueue to it, the worker loop
 * (`Herald.workerLayer`) consumes it.
 */
export class DeliveryQueue extends Context.Tag("@herald/core/DeliveryQueue")<DeliveryQueue, DeliveryQueueShape>() {}
