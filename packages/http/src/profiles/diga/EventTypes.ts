/** The event types the diga profile accepts unless `HERALD_EVENT_TYPES_DIGA` replaces them. */
import type { EventType } from "@herald/core"

/** Diga's documented events (seed 003). */
export const eventTypes: ReadonlyArray<EventType.EventType> = ["status_changed"]

/** What each of them means, as the portal's catalog shows it (a teamspace may describe them itself). */
export const eventTypeDescriptions: Readonly<Record<EventType.EventType, string>> = {
  "status_changed": "A resource's status changed."
}
