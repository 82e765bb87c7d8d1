/**
 * Port: published events, stored once each, keyed by (teamspace, id).
 */
import { Context, type Effect, type Option } from "effect"
import type { Event } from "./Event.js"
import type { EventId, TeamspaceId } from "./Ids.js"

export type AppendResult =
  | { readonly _tag: "Appended" }
  /**
   * An event with that id was already stored; it is returned unchanged, with
   * whether its fan-out was completed (`markDispatched`).
   */
  | { readonly _tag: "Exists"; readonly existing: Event; readonly dispatched: boolean }

export interface EventStoreShape {
  /** Stores the event unless one with its id exists (atomically: one caller wins). */
  readonly append: (event: Event) => Effect.Effect<AppendResult>
  readonly get: (teamspace: TeamspaceId, id: EventId) => Effect.Effect<Option.Option<Event>>
  /**
   * Records that every delivery of the event has been enqueued. Until then a
   * repeated publish of its id finishes the fan-out a crashed publish left undone.
   */
  readonly markDispatched: (teamspace: TeamspaceId, id: EventId) => Effect.Effect<void>
}

export class EventStore extends Context.Tag("@herald/core/EventStore")<EventStore, EventStoreShape>() {}
