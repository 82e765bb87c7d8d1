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

/** The fake ids the examples share, so that a search's events name its webset, an item its search, a run its monitor. */
const WEBSET = "webset_01JEXAMPLE0W1E2B3S4E5T6X"
const SEARCH = "wsearch_01JEXAMPLE7S8E9A0R1C2H3"
const MONITOR = "monitor_01JEXAMPLE4M5N6T7R8X9Y"
const CREATED_AT = "2026-01-15T09:30:00.000Z"
const UPDATED_AT = "2026-01-15T09:42:00.000Z"

/** A webset as its events carry it, in a given status. */
const webset = (status: string): Record<string, unknown> => ({
  id: WEBSET,
  object: "webset",
  status,
  metadata: {},
  createdAt: CREATED_AT,
  updatedAt: UPDATED_AT
})

/** A webset's search as its events carry it, in a given status and with what it found so far. */
const search = (status: string, found: number, completion: number): Record<string, unknown> => ({
  id: SEARCH,
  object: "webset_search",
  websetId: WEBSET,
  status,
  query: "Series A fintech startups in Berlin",
  progress: { found, completion },
  createdAt: CREATED_AT,
  updatedAt: UPDATED_AT
})

/** An import as its events carry it. */
const importOf = (status: string): Record<string, unknown> => ({
  id: "import_01JEXAMPLE1I2M3P4O5R6T7",
  object: "import",
  status,
  format: "csv",
  title: "Target accounts",
  count: 250,
  createdAt: CREATED_AT,
  updatedAt: UPDATED_AT
})

/** A monitor as its events carry it, in a given status. */
const monitor = (status: string): Record<string, unknown> => ({
  id: MONITOR,
  object: "monitor",
  websetId: WEBSET,
  status,
  cadence: { cron: "0 9 * * 1", timezone: "Etc/UTC" },
  createdAt: CREATED_AT,
  updatedAt: UPDATED_AT
})

/** A monitor's run as its events carry it. */
const monitorRun = (status: string): Record<string, unknown> => ({
  id: "mrun_01JEXAMPLE2R3U4N5M6O7N8",
  object: "monitor_run",
  monitorId: MONITOR,
  status,
  createdAt: CREATED_AT,
  updatedAt: UPDATED_AT
})

/** An item a search added, with its enrichments' results (none yet when it is created). */
const item = (enrichments: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> => ({
  id: "witem_01JEXAMPLE3I4T5E6M7X8Y9",
  object: "webset_item",
  source: "search",
  sourceId: SEARCH,
  websetId: WEBSET,
  properties: { type: "company", url: "https://example-fintech.test", description: "A fictional Berlin payments startup." },
  enrichments,
  createdAt: CREATED_AT,
  updatedAt: UPDATED_AT
})

/** An export of the webset as its events carry it. */
const exportOf = (status: string, downloadUrl: string | null): Record<string, unknown> => ({
  id: "wexport_01JEXAMPLE5X6P7O8R9T0A1",
  object: "webset_export",
  websetId: WEBSET,
  status,
  format: "csv",
  downloadUrl,
  createdAt: CREATED_AT,
  updatedAt: UPDATED_AT
})

/**
 * The `data` each delivers, as the catalog's example (what `herald trigger` publishes without `--data`).
 * Seed 004 names the events and says their data is the full object that triggered them, but documents
 * none of those objects: each example is the object its name points to, small, in the conventions the
 * seed's own webhook object shows (`id`, `object`, `status`, `metadata`, camelCase ISO times); the
 * other fields are our reading of the name, not a documented shape.
 */
export const eventTypeExamples: Readonly<Record<EventType.EventType, Record<string, unknown>>> = {
  "webset.created": webset("running"),
  "webset.deleted": webset("idle"),
  "webset.paused": webset("paused"),
  "webset.idle": webset("idle"),
  "webset.search.created": search("created", 0, 0),
  "webset.search.canceled": search("canceled", 12, 40),
  "webset.search.completed": search("completed", 25, 100),
  "webset.search.updated": search("running", 12, 40),
  "import.created": importOf("pending"),
  "import.completed": importOf("completed"),
  "webset.item.created": item([]),
  "webset.item.enriched": item([{
    object: "enrichment_result",
    enrichmentId: "wenrich_01JEXAMPLE6E7N8R9I0C1H2",
    format: "text",
    result: ["Jane Doe"]
  }]),
  "monitor.created": monitor("enabled"),
  "monitor.updated": monitor("enabled"),
  "monitor.deleted": monitor("disabled"),
  "monitor.run.created": monitorRun("created"),
  "monitor.run.completed": monitorRun("completed"),
  "webset.export.created": exportOf("pending", null),
  "webset.export.completed": exportOf("completed", "https://exports.example.test/wexport_01JEXAMPLE5X6P7O8R9T0A1.csv")
}
