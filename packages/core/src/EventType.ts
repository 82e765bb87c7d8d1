/**
 * Event types and the catalog of the ones a deployment accepts. Each profile has
 * its seed's list by default; configuration may replace any profile's list.
 */
import { Config, ConfigError, Context, Either, Layer, Schema } from "effect"
import { echo, InvalidInput } from "./Errors.js"
import { Profile } from "./Profile.js"

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

/** Each profile's list of event types. */
export type Catalogs = Readonly<Record<Profile, ReadonlyArray<EventType>>>

/** The seeds' lists. */
export const defaultCatalogs: Catalogs = {
  datagrid: datagridEventTypes,
  exa: exaEventTypes,
  diga: digaEventTypes
}

export const makeCatalog = (lists: Catalogs): EventCatalogShape => {
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

export const defaultCatalog: EventCatalogShape = makeCatalog(defaultCatalogs)

export const layer = (lists: Catalogs): Layer.Layer<EventCatalog> => Layer.succeed(EventCatalog, makeCatalog(lists))

export const layerDefault: Layer.Layer<EventCatalog> = Layer.succeed(EventCatalog, defaultCatalog)

const isEventType = Schema.is(EventType)

/** The variable that replaces a profile's list of event types. */
export const variableOf = (profile: Profile): string => `HERALD_EVENT_TYPES_${profile.toUpperCase()}`

/** How many accepted types a refusal lists; the rest are counted. */
export const LISTED = 20

/** How much of a refused type a refusal quotes (a valid one is at most 128 characters). */
const QUOTED = 128

const quote = (type: string): string =>
  JSON.stringify(type.length > QUOTED ? `${type.slice(0, QUOTED)}...` : type)

/** Why `type` is refused, alone (its first 128 characters). */
export const describeUnknown = (type: string): string => `unknown event type ${quote(type)}`

/**
 * Why `type` is refused, with what is accepted instead and the variable that
 * sets it: `profile`'s list when subscribing through it, else (publishing)
 * every profile's. At most `LISTED` types are named, so the message stays
 * small however long the configured lists are.
 */
export const describeUnknownWithAccepted = (catalog: EventCatalogShape, type: string, profile?: Profile): string => {
  const accepted = [...(profile === undefined ? catalog.publishable : catalog.forProfile(profile))]
  const listed = accepted.slice(0, LISTED).join(", ")
  const more = accepted.length > LISTED ? ` and ${accepted.length - LISTED} more` : ""
  const variables = (profile === undefined ? Profile.literals : [profile]).map(variableOf).join(", ")
  return `${describeUnknown(type)}: accepted are ${listed}${more} (set by ${variables})`
}

/** The entries of `a.b, c.d`, trimmed, blank ones skipped. */
const splitList = (text: string): ReadonlyArray<string> =>
  text.split(",").map((type) => type.trim()).filter((type) => type !== "")

/**
 * An event-type filter as a request sent it: one parameter of types separated
 * by commas (`event_type=a.b,c.d`), or a list (a repeated `types`). A refusal
 * names `param` as it was sent, and the entry that is not an event type.
 */
export const parseFilter = (
  types: string | ReadonlyArray<string>,
  param: string
): Either.Either<ReadonlyArray<EventType>, InvalidInput> => {
  if (typeof types === "string") {
    const entries = splitList(types)
    const invalid = entries.find((type) => !isEventType(type))
    return invalid === undefined ? Either.right(entries) : Either.left(InvalidInput.single(
      [param],
      `${param} must be event types separated by commas, each lowercase words joined by dots (like invoice.paid,invoice.voided), not ${
        echo(invalid)
      }`
    ))
  }
  const index = types.findIndex((type) => !isEventType(type))
  return index === -1 ? Either.right(types) : Either.left(InvalidInput.single(
    [param, index],
    `${param}[${index}] must be an event type, lowercase words joined by dots (like invoice.paid), not ${echo(types[index]!)}`
  ))
}

/** Parses `a.b,c.d`: at least one valid, distinct event type, never the test event's. */
export const parseList = (text: string): Either.Either<ReadonlyArray<EventType>, string> => {
  const types = splitList(text)
  if (types.length === 0) return Either.left("expected a comma-separated list of at least one event type")
  const seen = new Set<string>()
  for (const type of types) {
    if (!isEventType(type)) return Either.left(`"${type}" is not an event type (lower-case, dotted: a.b_c)`)
    if (type === TEST_EVENT_TYPE) return Either.left(`"${type}" is reserved for test deliveries`)
    if (seen.has(type)) return Either.left(`"${type}" is listed twice`)
    seen.add(type)
  }
  return Either.right(types)
}

const listConfig = (profile: Profile) => {
  const name = variableOf(profile)
  return Config.string(name).pipe(
    Config.mapOrFail((text) => Either.mapLeft(parseList(text), (message) => ConfigError.InvalidData([name], message))),
    Config.withDefault(defaultCatalogs[profile]),
    Config.withDescription(`The event types the ${profile} profile accepts (comma-separated); replaces its default list`)
  )
}

/**
 * `HERALD_EVENT_TYPES_DATAGRID`, `HERALD_EVENT_TYPES_EXA`, `HERALD_EVENT_TYPES_DIGA`:
 * each replaces that profile's list; an unset one keeps the seed's.
 */
export const config: Config.Config<Catalogs> = Config.all({
  datagrid: listConfig("datagrid"),
  exa: listConfig("exa"),
  diga: listConfig("diga")
})
