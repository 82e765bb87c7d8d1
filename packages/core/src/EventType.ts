/**
 * Event types and the catalog of the ones a deployment accepts. Each profile has
 * its seed's list by default.
 */
import { Context, Layer, Schema } from "effect"
import type { Profile } from "./Profile.js"

export const EventType = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/),
  Schema.maxLength(128),
  Schema.annotations({ description: "A dotted event type, e.g. `batch_prediction.completed`." })
)
export type EventType = typeof EventType.Type

/** The event a test delivery sends: in no catalog, so it is never published or subscribed to. */
export const TEST_EVENT_TYPE: EventType = "webhook.test"

/** Datagrid's documented events (seed 002). */
export const datagridEventTypes: ReadonlyArray<EventType> = [
  "knowledge.processing.completed",
  "batch_prediction.completed",
  "batch_prediction.failed",
  "batch_prediction.expired",
  "batch_prediction.cancelled"
]

/** Exa websets' documented events (seed 004). */
export const exaEventTypes: ReadonlyArray<EventType> = [
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

/** Diga's documented events (seed 003). */
export const digaEventTypes: ReadonlyArray<EventType> = ["status_changed"]

export interface EventCatalogShape {
  /** Event types a subscription created through `profile` may subscribe to. */
  readonly forProfile: (profile: Profile) => ReadonlySet<EventType>
  /** Every event type that may be published (the union of the profiles' lists). */
  readonly publishable: ReadonlySet<EventType>
}

export class EventCatalog extends Context.Tag("@herald/core/EventCatalog")<EventCatalog, EventCatalogShape>() {}

export const makeCatalog = (lists: Record<Profile, ReadonlyArray<EventType>>): EventCatalogShape => {
  const sets = {
    datagrid: new Set(lists.datagrid),
    exa: new Set(lists.exa),
    diga: new Set(lists.diga)
  }
  return {
    forProfile: (profile) => sets[profile],
    publishable: new Set([...sets.datagrid, ...sets.exa, ...sets.diga])
  }
}

export const defaultCatalog: EventCatalogShape = makeCatalog({
  datagrid: datagridEventTypes,
  exa: exaEventTypes,
  diga: digaEventTypes
})

export const layerDefault: Layer.Layer<EventCatalog> = Layer.succeed(EventCatalog, defaultCatalog)
