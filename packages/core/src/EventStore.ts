/**
 * Port: published events, stored once each, keyed by (teamspace, id).
 */
import { Context, type Effect, type Option } from "effect"
import type { Event } from "./Event.js"
import type { EventId, TeamspaceId } from "./Ids.js"

export type AppendResult =
  | { readonly _tag: "Appended" }
  /** An event with that id was already stored; it is returned unchanged. */
  | { readonly _tag: "Exists"; readonly existing: Event }

export interface EventStoreShape {
  /** Stores the event unless one with its id exists (atomically: one caller wins). */
  readonly append: (event: Event) => Effect.Effect<AppendResult>
  readonly get: (teamspace: TeamspaceId, id: EventId) => Effect.Effect<Option.Option<Event>>
}

export class EventStore extends Context.Tag("@herald/core/EventStore")<EventStore, EventStoreShape>() {}
