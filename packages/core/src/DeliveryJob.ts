/**
 * A queued delivery: ids only, never the payload (that is stored once per event).
 */
import { Schema } from "effect"
import { EventId, TeamspaceId, WebhookId } from "./Ids.js"

export class DeliveryJob extends Schema.Class<DeliveryJob>("@herald/core/DeliveryJob")({
  teamspace: TeamspaceId,
  eventId: EventId,
  webhookId: WebhookId,
  /** The attempt this job will make, 1-based. */
  attempt: Schema.Number.pipe(Schema.int(), Schema.positive())
}) {
  /**
   * Stable across retries of the same (event, subscription) pair, so enqueueing
   * the pair twice is a no-op. A webhook id implies its teamspace, so the pair is
   * globally unique. Contains no `:` (BullMQ reserves it in custom job ids).
   */
  get key(): string {
    return `${this.webhookId}.${this.eventId}`
  }

  next(): DeliveryJob {
    return new DeliveryJob({ ...this, attempt: this.attempt + 1 })
  }
}

/** What the worker tells the queue after handling a job. */
export type DeliveryOutcome =
  | { readonly _tag: "Done" }
  | { readonly _tag: "Retry"; readonly delayMs: number }

export const done: DeliveryOutcome = { _tag: "Done" }
export const retryAfter = (delayMs: number): DeliveryOutcome => ({ _tag: "Retry", delayMs })
