/**
 * Port: published events, stored once each, keyed by (teamspace, id).
 */
import { Context, type Effect, type Option } from "effect"
import type { Event } from "./Event.js"
import type { EventType } from "./EventType.js"
import type { EventId, TeamspaceId } from "./Ids.js"
import type { FanOutTarget } from "./SubscriptionStore.js"

/** What `EventStoreShape.append` did: stored the event, or found one with its id already stored. */
export type AppendResult =
  | { readonly _tag: "Appended" }
  /**
   * An event with that id was already stored; it is returned unchanged, with
   * whether its fan-out was completed (`markDispatched`).
   */
  | { readonly _tag: "Exists"; readonly existing: Event; readonly dispatched: boolean }

/**
 * What `EventStoreShape.appendOwing` did: stored the event and owed its fan-out's first page
 * (`page`: the enabled matching subscriptions in id order, at most `limit` + 1, of which the first
 * `limit` are owed), or found one with its id already stored and owed nothing.
 */
export type AppendOwingResult =
  | { readonly _tag: "Appended"; readonly page: ReadonlyArray<FanOutTarget> }
  | Extract<AppendResult, { readonly _tag: "Exists" }>

/**
 * What `EventStoreShape.appendReading` did: stored the event and read its fan-out's first page
 * (`page`: the enabled matching subscriptions in id order, at most `limit` + 1; `undefined` when the
 * store could not read it there, and the caller reads it from the `SubscriptionStore`), or found
 * one with its id already stored.
 */
export type AppendReadingResult =
  | { readonly _tag: "Appended"; readonly page: ReadonlyArray<FanOutTarget> | undefined }
  | Extract<AppendResult, { readonly _tag: "Exists" }>

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
  /**
   * `append` for each of `events` (distinct ids), a result per event in their order: a batch
   * publish's one write where the adapter can (one pipelined round trip on Redis).
   */
  readonly appendAll: (events: ReadonlyArray<Event>) => Effect.Effect<ReadonlyArray<AppendResult>>
  readonly get: (teamspace: TeamspaceId, id: EventId) => Effect.Effect<Option.Option<Event>>
  /** Up to `limit` events matching the query, newest first (by createdAt, then id). */
  readonly list: (query: EventQuery) => Effect.Effect<ReadonlyArray<Event>>
  /**
   * Records that every delivery of the event has been enqueued. Until then a
   * repeated publish of its id finishes the fan-out a crashed publish left undone.
   * An adapter may write the mark behind (Redis carries it on its next append, or
   * writes it within 100 ms): a repeated publish through the same store sees it at
   * once; through another process inside that window it finishes the fan-out again
   * (the queue drops the deliveries still pending; one already delivered may be
   * delivered again, as after a crash). A process that dies before writing marks
   * leaves them unwritten: a repeated publish of those ids, however late, finishes
   * their fan-out again.
   */
  readonly markDispatched: (teamspace: TeamspaceId, id: EventId) => Effect.Effect<void>
  /** `markDispatched` for each of `ids`, in one write where the adapter can. */
  readonly markDispatchedAll: (teamspace: TeamspaceId, ids: ReadonlyArray<EventId>) => Effect.Effect<void>
  /**
   * `append`, and for a new event its fan-out's first step in the same write, as
   * `DeliveryLedger.owe` from none would record it: the first `first.limit` enabled matching
   * subscriptions (`SubscriptionStore.activePage`) owed at attempt 1, due at `first.dueAt` (an
   * ordered webhook's with no due time), and the fan-out's cursor left at the last of them when
   * more remain, else none left. One round trip where the three would take three.
   *
   * Offered only by a store that keeps the subscriptions' fan-out index and the recording
   * `DeliveryLedger` in the same database (`PostgresEventStore` with `owesFirstPage`); absent
   * otherwise, and `FanOut` then appends and steps as usual.
   */
  readonly appendOwing?:
    | ((event: Event, first: { readonly limit: number; readonly dueAt: number }) => Effect.Effect<AppendOwingResult>)
    | undefined
  /**
   * `append`, and for a new event its fan-out's first page read in the same round trip
   * (`SubscriptionStore.activePage` from the first, `first.limit` + 1 at most), for a fan-out
   * without a recording `DeliveryLedger`.
   *
   * Offered only by a store that keeps the subscriptions' fan-out index in the same database
   * (`RedisEventStore` with `readsFanOutPage`, as `RedisLayer` composes it); absent otherwise.
   */
  readonly appendReading?:
    | ((event: Event, first: { readonly limit: number }) => Effect.Effect<AppendReadingResult>)
    | undefined
}

/**
 * The event store port. Provided by an adapter layer; `Publisher` appends to it, the `Dispatcher`
 * and `DeliveryLog` read it.
 */
export class EventStore extends Context.Tag("@herald/core/EventStore")<EventStore, EventStoreShape>() {}
