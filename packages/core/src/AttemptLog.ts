/**
 * Port: the log of every delivery attempt.
 */
import { Context, type Effect, type Option } from "effect"
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
 * What recording an attempt also writes of the `DeliveryLedger`, in the same write, when the log
 * `keepsLedger`: the delivery (the attempt's webhook and event) is settled (`Settled`: its row
 * goes, but with `startedAt`, only if no redelivery was asked for since the attempt started, as
 * `DeliveryLedger.settle`), or owed next at `attempt`, due at `dueAt` (`Scheduled`, as
 * `DeliveryLedger.scheduled`).
 */
export type LedgerChange =
  | { readonly _tag: "Settled"; readonly startedAt: Option.Option<number> }
  | { readonly _tag: "Scheduled"; readonly attempt: number; readonly dueAt: number }

/**
 * What an attempt log adapter implements: record an attempt and list attempts by `AttemptQuery`,
 * newest first. Application code reads attempts through `DeliveryLog`.
 */
export interface AttemptLogShape {
  /**
   * Logs the attempt; a successful one also ends its webhook's failure streak when
   * `endsFailureStreaks`, and `ledger`'s change is written with it when `keepsLedger` (ignored
   * otherwise).
   */
  readonly record: (attempt: Attempt, ledger?: LedgerChange) => Effect.Effect<void>
  readonly list: (query: AttemptQuery) => Effect.Effect<ReadonlyArray<Attempt>>
  /**
   * True when `record` of a successful attempt also ends its webhook's failure
   * streak (what `HealthStore.reset` does) in the same write: an adapter whose
   * log and health store live in one store spares every successful delivery a
   * round trip that way. It then holds only beside that store's own
   * `HealthStore`. Absent: false, and the success is reset separately.
   */
  readonly endsFailureStreaks?: boolean | undefined
  /**
   * True when `record` also writes the attempt's `LedgerChange` in the same write: an adapter whose
   * log and `DeliveryLedger` live in one store spares every attempt a round trip that way (the
   * delivery loop then leaves the ledger alone for that attempt). It then holds only beside that
   * store's own ledger. Absent: false, and the loop writes the ledger itself.
   */
  readonly keepsLedger?: boolean | undefined
}

/**
 * The attempt log port. Provided by an adapter layer (`MemoryAttemptLog.layer`,
 * `RedisAttemptLog.layer`); the delivery loop writes it, `DeliveryLog` reads it.
 */
export class AttemptLog extends Context.Tag("@herald/core/AttemptLog")<AttemptLog, AttemptLogShape>() {}
