/**
 * A published event. Its payload is stored once, as JSON text, however many
 * subscriptions it fans out to: rendering an envelope is then string assembly.
 */
import { Schema } from "effect"
import { EventType } from "./EventType.js"
import { EventId, TeamspaceId } from "./Ids.js"
import { Millis } from "./Webhook.js"

/**
 * A stored event: its id (the publisher's or generated), teamspace, type, data as JSON text and
 * creation time. Created by `Publisher.publish`, stored in the `EventStore`, rendered into each
 * profile's envelope at delivery.
 */
export class Event extends Schema.Class<Event>("@herald/core/Event")({
  id: EventId,
  teamspace: TeamspaceId,
  type: EventType,
  /** The `data` object, serialised once at publish time. */
  dataJson: Schema.String,
  createdAt: Millis
}) {}

/** What a publisher supplies. */
export interface PublishEvent {
  readonly type: string
  readonly data: unknown
  readonly id?: string | undefined
}

/** The outcome of a publish: a repeated id returns the stored event, unsent again. */
export interface Published {
  readonly event: Event
  readonly duplicate: boolean
  /** Deliveries enqueued by this call (0 for a duplicate). */
  readonly deliveries: number
}
