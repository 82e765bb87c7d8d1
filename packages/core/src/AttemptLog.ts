/**
 * Port: the log of every delivery attempt.
 */
import { Context, type Effect } from "effect"
import type { Attempt } from "./Attempt.js"
import type { EventType } from "./EventType.js"
import type { AttemptId, EventId, TeamspaceId, WebhookId } from "./Ids.js"

/** Newest first; `before` is the last id of the previous page. */
export interface AttemptQuery {
  readonly teamspace: TeamspaceId
  readonly webhookId?: WebhookId | undefined
  readonly eventId?: EventId | undefined
  readonly eventType?: EventType | undefined
  readonly successful?: boolean | undefined
  readonly before?: AttemptId | undefined
  readonly limit: number
}

/**
 * What an attempt log adapter implements: record an attempt and list attempts by `AttemptQuery`,
 * newest first. Application code reads attempts through `DeliveryLog`.
 */
export interface AttemptLogShape {
  /** Logs the attempt; a successful one also ends its webhook's failure streak when `endsFailureStreaks`. */
  readonly record: (attempt: Attempt) => Effect.Effect<void>
  readonly list: (query: AttemptQuery) => Effect.Effect<ReadonlyArray<Attempt>>
  /**
   * True when `record` of a successful attempt also ends its webhook's failure
   * streak (what `HealthStore.reset` does) in the same write: an adapter whose
   * log and health store live in one store spares every successful delivery a
   * round trip that way. It then holds only beside that store's own
   * `HealthStore`. Absent: false, and the success is reset separately.
   */
  readonly endsFailureStreaks?: boolean | undefined
}

/**
 * The attempt log port. Provided by an adapter layer (`MemoryAttemptLog.layer`,
 * `RedisAttemptLog.layer`); the delivery loop writes it, `DeliveryLog` reads it.
 */
export class AttemptLog extends Context.Tag("@herald/core/AttemptLog")<AttemptLog, AttemptLogShape>() {}
