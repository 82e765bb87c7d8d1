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

/** What each of them means, as the portal's catalog shows it (a teamspace may describe them itself). */
export const eventTypeDescriptions: Readonly<Record<EventType.EventType, string>> = {
  "webset.created": "A webset was created.",
  "webset.deleted": "A webset was deleted.",
  "webset.paused": "A webset's searches and enrichments were paused.",
  "webset.idle": "A webset has nothing left to run.",
  "webset.search.created": "A search started in a webset.",
  "webset.search.canceled": "A webset's search was canceled.",
  "webset.search.completed": "A webset's search finished.",
  "webset.search.updated": "A webset's search made progress.",
  "import.created": "An import was created.",
  "import.completed": "An import finished.",
  "webset.item.created": "A search found an item and added it to a webset.",
  "webset.item.enriched": "An item's enrichment finished.",
  "monitor.created": "A monitor was created.",
  "monitor.updated": "A monitor was changed.",
  "monitor.deleted": "A monitor was deleted.",
  "monitor.run.created": "A monitor's run started.",
  "monitor.run.completed": "A monitor's run finished.",
  "webset.export.created": "An export of a webset started.",
  "webset.export.completed": "An export of a webset is ready."
}
