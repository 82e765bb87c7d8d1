/**
 * Port: the event types a teamspace registered itself, through the API
 * (`EventTypes`). A teamspace's catalog is the deployment's configured lists
 * (`EventCatalog`, the same in every teamspace) with the teamspace's own
 * definitions laid over them: a definition adds a type, or describes, gives a
 * schema to, or archives one of the configured ones. The store keeps only those
 * definitions, never the configured lists, so changing the configuration
 * changes every teamspace at the next start, except that a configured type a
 * teamspace defined (described, gave a schema) stays in its catalog after the
 * configuration drops it, until the teamspace archives it.
 */
import { Context, type Effect, Order, Schema } from "effect"
import { EventType } from "./EventType.js"
import { TeamspaceId } from "./Ids.js"
import { Profile } from "./Profile.js"
import { Millis } from "./Webhook.js"

/**
 * One event type as a teamspace defined it: its name in one profile's catalog, a description, an
 * optional JSON Schema and example payload (each as JSON text, byte for byte as given), and whether
 * it is archived (no new subscription or publish may use it; webhooks subscribed to it keep it).
 */
export class EventTypeDefinition extends Schema.Class<EventTypeDefinition>("@herald/core/EventTypeDefinition")({
  teamspace: TeamspaceId,
  profile: Profile,
  name: EventType,
  description: Schema.String,
  /** A JSON Schema the published data must match, as JSON text; null for none. */
  schema: Schema.NullOr(Schema.String),
  /** An example of the data, as JSON text; null for none. */
  example: Schema.NullOr(Schema.String),
  archived: Schema.Boolean,
  createdAt: Millis,
  updatedAt: Millis
}) {}

/**
 * The order `list` returns: by profile, then by name (both ASCII, so code-unit order is byte order,
 * as PostgreSQL's `COLLATE "C"` sorts them).
 */
export const order: Order.Order<EventTypeDefinition> = Order.combine(
  Order.mapInput(Order.string, (definition: EventTypeDefinition) => definition.profile),
  Order.mapInput(Order.string, (definition: EventTypeDefinition) => definition.name)
)

/**
 * What an event type store adapter implements (`@herald/memory`, `@herald/redis`,
 * `@herald/postgres`); application code uses the `EventTypes` service instead. A teamspace holds
 * few definitions (`EventTypes` caps them), so it is read whole.
 */
export interface EventTypeStoreShape {
  /** A teamspace's definitions, archived ones included, by profile then name. */
  readonly list: (teamspace: TeamspaceId) => Effect.Effect<ReadonlyArray<EventTypeDefinition>>
  /** Stores a new definition; false, storing nothing, when the teamspace has one of that profile and name. */
  readonly insert: (definition: EventTypeDefinition) => Effect.Effect<boolean>
  /**
   * Compare-and-set: replaces the definition of that teamspace, profile and name with `definition`
   * only when the stored one is still `previous` (as `list` read it); false, storing nothing, when
   * there is none or it changed since (a concurrent update won). Adapters compare the stored
   * Schema-encoded record with `previous` encoded the same way.
   */
  readonly update: (definition: EventTypeDefinition, previous: EventTypeDefinition) => Effect.Effect<boolean>
}

/**
 * The event type store port. Provided by an adapter layer (`MemoryEventTypeStore.layer`,
 * `RedisEventTypeStore.layer`, `PostgresEventTypeStore.layer`); required by `EventTypes`, so by
 * `Herald.servicesLayer`.
 */
export class EventTypeStore extends Context.Tag("@herald/core/EventTypeStore")<EventTypeStore, EventTypeStoreShape>() {}
