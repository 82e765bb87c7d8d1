/**
 * Queue tasks, ids only, never the payload (that is stored once per event):
 * a delivery of one event to one subscription, or one step of a large fan-out.
 */
import { Schema } from "effect"
import { EventId, TeamspaceId, WebhookId } from "./Ids.js"

/**
 * A queued delivery: one event to one webhook, at a given attempt number. Carries ids only; the
 * worker loads the event and the webhook when it runs. Its `key` makes enqueueing the same pair
 * twice a no-op.
 */
export class DeliveryJob extends Schema.Class<DeliveryJob>("@herald/core/DeliveryJob")({
  teamspace: TeamspaceId,
  eventId: EventId,
  webhookId: WebhookId,
  /** The attempt this job will make, 1-based. */
  attempt: Schema.Number.pipe(Schema.int(), Schema.positive()),
  /**
   * Enqueued by the reconciler from the `DeliveryLedger`, not by the step that owed it: the
   * delivery may have settled since the reconciler read its row, so the job `claim`s the row before
   * it is sent (and is dropped unsent when there is none). Only for this attempt: `next()` clears it.
   */
  reconciled: Schema.optional(Schema.Boolean),
  /**
   * The W3C `traceparent` of the span that made the delivery (the publish), when a tracer was
   * installed there: the delivery's span joins that trace, in whichever process runs it. Kept by
   * every attempt.
   */
  trace: Schema.optional(Schema.String)
}) {
  /**
   * Stable across retries of the same (event, subscription) pair, so enqueueing
   * the pair twice is a no-op. A webhook id implies its teamspace, so the pair is
   * globally unique. Contains no `:`: jobs written by earlier versions of the
   * BullMQ queue used it as their job id, where BullMQ reserves `:`.
   */
  get key(): string {
    return `${this.webhookId}.${this.eventId}`
  }

  /** The job of the next attempt (never reconciled: the attempt before it has claimed the row). */
  next(): DeliveryJob {
    return new DeliveryJob({
      teamspace: this.teamspace,
      eventId: this.eventId,
      webhookId: this.webhookId,
      attempt: this.attempt + 1,
      ...(this.trace === undefined ? {} : { trace: this.trace })
    })
  }

  get logAnnotations(): Record<string, unknown> {
    return { teamspace: this.teamspace, eventId: this.eventId, webhookId: this.webhookId, attempt: this.attempt }
  }
}

/**
 * One step of a fan-out too large to enqueue inside the publish request: enqueue
 * the deliveries of the next chunk of subscriptions after `after`, and the next
 * step if there are more. Running a step twice is harmless: delivery jobs still
 * pending are deduplicated by key.
 */
export class FanOutJob extends Schema.Class<FanOutJob>("@herald/core/FanOutJob")({
  teamspace: TeamspaceId,
  eventId: EventId,
  /** The last subscription already fanned out to. */
  after: WebhookId,
  /**
   * Deliveries the steps before this one owed, for the fan-out size metric; absent for a step made
   * from a stored cursor (the reconciler), whose fan-out's size is then not observed.
   */
  owed: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.nonNegative())),
  /** The publish's `traceparent`, passed on to the deliveries this step enqueues (`DeliveryJob.trace`). */
  trace: Schema.optional(Schema.String)
}) {
  /** `@` appears in no id, so the parts cannot run into each other. */
  get key(): string {
    return `fanout@${this.teamspace}@${this.eventId}@${this.after}`
  }

  /** A fan-out step is never retried on a schedule; a retry repeats it. */
  next(): FanOutJob {
    return this
  }

  get logAnnotations(): Record<string, unknown> {
    return { teamspace: this.teamspace, eventId: this.eventId, fanOutAfter: this.after }
  }
}

/** What the queue carries. */
export type QueueTask = DeliveryJob | FanOutJob

/** True for a fan-out step, false for a delivery: how a queue handler tells the two tasks apart. */
export const isFanOut = (task: QueueTask): task is FanOutJob => task instanceof FanOutJob

/**
 * What the worker tells the queue after handling a job: settled (`givenUp` when
 * the delivery failed for good, which a redelivery asked for during that attempt
 * starts again; `sequenced` for an ordered webhook's, whose sequence has moved
 * on: see `DeliveryQueue.expedite`'s `again`); the next attempt after a delay; or
 * this same attempt after a delay, because it was not made (its webhook's rate
 * limit gave it a later slot). `inLedger`: the `DeliveryLedger` already holds this outcome (the
 * attempt's record wrote it: `AttemptLog.keepsLedger`), so the delivery loop does not write it.
 */
export type DeliveryOutcome =
  | { readonly _tag: "Done"; readonly givenUp?: boolean; readonly sequenced?: boolean; readonly inLedger?: boolean }
  | { readonly _tag: "Retry"; readonly delayMs: number; readonly inLedger?: boolean }
  | { readonly _tag: "Defer"; readonly delayMs: number }

/** The outcome of a job settled normally (delivered, or nothing to do): the queue frees its key. */
export const done: DeliveryOutcome = { _tag: "Done" }
/**
 * The outcome of a delivery that failed for good (retries exhausted or refused): settled, unless a
 * redelivery asked for during the attempt starts it again.
 */
export const givenUp: DeliveryOutcome = { _tag: "Done", givenUp: true }
/**
 * The outcome of an ordered webhook's delivery whose sequence has moved on: settled, unless
 * `DeliveryQueue.expedite` with `again` put it back.
 */
export const sequenced: DeliveryOutcome = { _tag: "Done", sequenced: true }
/** The outcome asking the queue for the job's next attempt after `delayMs` (the key stays pending). */
export const retryAfter = (delayMs: number): DeliveryOutcome => ({ _tag: "Retry", delayMs })
/**
 * The outcome asking the queue to run this same attempt again after `delayMs`, because it was not
 * made (a rate limit gave it a later slot).
 */
export const deferFor = (delayMs: number): DeliveryOutcome => ({ _tag: "Defer", delayMs })
