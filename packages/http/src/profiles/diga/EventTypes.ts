/** The event types the diga profile accepts unless `HERALD_EVENT_TYPES_DIGA` replaces them. */
import type { EventType } from "@herald/core"

/** Diga's documented events (seed 003). */
export const eventTypes: ReadonlyArray<EventType.EventType> = ["status_changed"]

/** What each of them means, as the portal's catalog shows it (a teamspace may describe them itself). */
export const eventTypeDescriptions: Readonly<Record<EventType.EventType, string>> = {
  "status_changed": "A resource's status changed."
}

/**
 * The `data` each delivers, as the catalog's example (what `herald trigger` publishes without `--data`).
 * Seed 003 names `status_changed` and nothing of its payload: this is the least the name promises (which
 * resource, its new status), with a UUID as Diga's ids are; its fields are ours, not a documented shape.
 */
export const eventTypeExamples: Readonly<Record<EventType.EventType, Record<string, unknown>>> = {
  "status_changed": {
    id: "00000000-0000-4000-8000-00000000e1a1",
    status: "completed"
  }
}
