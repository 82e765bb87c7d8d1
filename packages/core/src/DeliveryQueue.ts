/**
 * Port: the queue of pending deliveries. Jobs carry ids only. A job whose key is
 * already pending (queued, delayed or in flight) is not enqueued again.
 */
import { Context, type Effect, type Scope } from "effect"
import type { DeliveryOutcome, QueueTask } from "./DeliveryJob.js"

export interface ConsumeOptions {
  /** Deliveries in flight at once in this process. */
  readonly concurrency: number
}

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

export interface DeliveryQueueShape {
  /** Enqueue jobs (after `delayMs`, ahead when `front`); duplicates of pending keys are dropped. */
  readonly enqueue: (jobs: ReadonlyArray<QueueTask>, options?: EnqueueOptions) => Effect.Effect<void>
  /**
   * Starts consumers in the caller's scope and returns at once. They run until the
   * scope closes; closing waits for handlers in flight (an adapter must not make a
   * handler uninterruptible: that would also disable its timeout). `Retry` re-queues
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

export class DeliveryQueue extends Context.Tag("@herald/core/DeliveryQueue")<DeliveryQueue, DeliveryQueueShape>() {}
