/**
 * Port: published events, stored once each, keyed by (teamspace, id).
 */
import { Context, type Effect, type Option } from "effect"
import type { Event } from "./Event.js"
import type { EventType } from "./EventType.js"
import type { EventId, TeamspaceId } from "./Ids.js"

/** What `EventStoreShape.append` did: stored the event, or found one with its id already stored. */
export type AppendResult =
  | { readonly _tag: "Appended" }
  /**
   * An event with that id was already stored; it is returned unchanged, with
   * whether its fan-out was completed (`markDispatched`).
   */
  | { readonly _tag: "Exists"; readonly existing: Event; readonly dispatched: boolean }

/**
 * Where an event sits in a listing. Publisher-chosen ids don't sort by time, so
 * a position is (createdAt, id): time first, the id breaking ties.
 */
export interface EventPosition {
  readonly createdAt: number
  readonly id: EventId
}

/** A page of a teamspace's events, newest first. */
export interface EventQuery {
  readonly teamspace: TeamspaceId
  /** Only events of these types; every type when absent or empty. */
  readonly types?: ReadonlyArray<EventType> | undefined
  /** Only events created at or after this time (epoch ms). */
  readonly createdAfter?: number | undefined
  /** Only events created before this time (epoch ms). */
  readonly createdBefore?: number | undefined
  /** Only events strictly older than this position: the last one of the previous page. */
  readonly before?: EventPosition | undefined
  readonly limit: number
}

/**
 * What an event store adapter implements (`MemoryEventStore`, `RedisEventStore`): append once per
 * id, get, list newest first, and mark an event's fan-out done. Application code publishes through
 * `Publisher` and reads through `DeliveryLog`.
 */
export interface EventStoreShape {
  /** Stores the event unless one with its id exists (atomically: one caller wins). */
  readonly append: (event: Event) => Effect.Effect<AppendResult>
  readonly get: (teamspace: TeamspaceId, id: EventId) => Effect.Effect<Option.Option<Event>>
  /** Up to `limit` events matching the query, newest first (by createdAt, then id). */
  readonly list: (query: EventQuery) => Effect.Effect<ReadonlyArray<Event>>
  /**
   * Records that every delivery of the event has been enqueued. Until then a
   * repeated publish of its id finishes the fan-out a crashed publish left undone.
   */
  readonly markDispatched: (teamspace: TeamspaceId, id: EventId) => Effect.Effect<void>
}

/**
 * The event store port. Provided by an adapter layer; `Publisher` appends to it, the `Dispatcher`
 * and `DeliveryLog` read it.
 */
export class EventStore extends Context.Tag("@herald/core/EventStore")<EventStore, EventStoreShape>() {}
