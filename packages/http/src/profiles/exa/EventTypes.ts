/** The event types the exa profile accepts unless `HERALD_EVENT_TYPES_EXA` replaces them. */
import type { EventType } from "@herald/core"

/** Exa websets' documented events (seed 004). */
export const eventTypes: ReadonlyArray<EventType.EventType> = [
  "webset.created",
  "webset.deleted",
  "webset.paused",
  "webset.idle",
  "webset.search.created",
  "webset.search.canceled",
  "webset.search.completed",
  "webset.search.updated",
  "import.created",
  "import.completed",
  "webset.item.created",
  "webset.item.enriched",
  "monitor.created",
  "monitor.updated",
  "monitor.deleted",
  "monitor.run.created",
  "monitor.run.completed",
  "webset.export.created",
  "webset.export.completed"
]
