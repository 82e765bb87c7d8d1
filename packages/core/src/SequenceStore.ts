/**
 * Port: the events waiting, in order, for each ordered webhook. Only the head of
 * a webhook's sequence has a delivery job; the next one is started when the head
 * settles (delivered, or given up). Callers always (re)enqueue the head these
 * operations return: the queue drops a key already pending, so a lost enqueue
 * (a crash between two steps) is healed by the next operation on the sequence.
 */
import { Context, type Effect, type Option } from "effect"
import type { EventId, TeamspaceId, WebhookId } from "./Ids.js"

/**
 * What a sequence store adapter implements (`MemorySequenceStore`, `RedisSequenceStore`): enter
 * events into a webhook's sequence, advance its head, drain it; each atomically.
 */
export interface SequenceStoreShape {
  /**
   * Appends the events not already waiting, in the order given, and returns the
   * head of the sequence (atomically).
   */
  readonly enter: (
    teamspace: TeamspaceId,
    webhookId: WebhookId,
    eventIds: ReadonlyArray<EventId>
  ) => Effect.Effect<Option.Option<EventId>>
  /** Removes `eventId` if it is the head, and returns the head after that (atomically). */
  readonly advance: (teamspace: TeamspaceId, webhookId: WebhookId, eventId: EventId) => Effect.Effect<Option.Option<EventId>>
  /** Removes and returns every waiting event, in order: the webhook stopped being ordered, or is gone. */
  readonly drain: (teamspace: TeamspaceId, webhookId: WebhookId) => Effect.Effect<ReadonlyArray<EventId>>
}

/** The sequence store port. Provided by an adapter layer; used by the `Sequencer`. */
export class SequenceStore extends Context.Tag("@herald/core/SequenceStore")<SequenceStore, SequenceStoreShape>() {}
