/**
 * Event types and the catalog of the ones a deployment accepts. Each registered
 * profile (`Profiles`) has its own default list; configuration may replace any
 * profile's list.
 */
import { Context, Effect, Either, Layer, Schema } from "effect"
import { echo, InvalidInput } from "./Errors.js"
import type { Profile } from "./Profile.js"
import { type ProfileDelivery, Profiles } from "./Profiles.js"

/** The schema of an event type: lowercase dotted words (`invoice.paid`), at most 128 characters. */
export const EventType = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/),
  Schema.maxLength(128),
  Schema.annotations({ description: "A dotted event type, e.g. `batch_prediction.completed`." })
)
/** A valid event type (see the `EventType` schema). */
export type EventType = typeof EventType.Type

/** The event a test delivery sends: in no catalog, so it is never published or subscribed to. */
export const TEST_EVENT_TYPE: EventType = "webhook.test"

/**
 * The event types a deployment accepts: per profile (what a subscription may subscribe to) and in
 * all (what may be published).
 */
export interface EventCatalogShape {
  /** The profiles it has lists for, in registry order. */
  readonly profiles: ReadonlyArray<Profile>
  /** Event types a subscription created through `profile` may subscribe to (none for an unknown profile). */
  readonly forProfile: (profile: Profile) => ReadonlySet<EventType>
  /** Every event type that may be published (the union of the profiles' lists). */
  readonly publishable: ReadonlySet<EventType>
}

/**
 * The event catalog service, read by `Webhooks` (subscriptions) and `Publisher` (publishing), which
 * refuse unknown types with `InvalidInput`. Provide it with `layer` (configured lists) or
 * `layerDefault` (the registered profiles' own), or through `Herald.settingsLayer`.
 */
export class EventCatalog extends Context.Tag("@herald/core/EventCatalog")<EventCatalog, EventCatalogShape>() {}

/** Each profile's list of event types, by profile name. */
export type Catalogs = Readonly<Record<Profile, ReadonlyArray<EventType>>>

/** The registered profiles' own lists. */
export const defaultCatalogs = (profiles: ReadonlyArray<Pick<ProfileDelivery, "name" | "eventTypes">>): Catalogs =>
  Object.fromEntries(profiles.map((profile) => [profile.name, profile.eventTypes]))

const none: ReadonlySet<EventType> = new Set()

/** A catalog of the given lists, one per profile. */
export const makeCatalog = (lists: Catalogs): EventCatalogShape => {
  const sets = new Map(Object.entries(lists).map(([profile, types]) => [profile, new Set(types)]))
  return {
    profiles: [...sets.keys()],
    forProfile: (profile) => sets.get(profile) ?? none,
    publishable: new Set([...sets.values()].flatMap((types) => [...types]))
  }
}

/** Provides `EventCatalog` with the given lists, replacing the profiles' defaults. */
export const layer = (lists: Catalogs): Layer.Layer<EventCatalog> => Layer.succeed(EventCatalog, makeCatalog(lists))

/** The registered profiles' own lists, unconfigured. */
export const layerDefault: Layer.Layer<EventCatalog, never, Profiles> = Layer.effect(
  EventCatalog,
  Effect.map(Profiles, (profiles) => makeCatalog(defaultCatalogs(profiles.all)))
)

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
 * Why `type` is refused, with what is accepted instead, the variable that
 * sets it and the route that registers more: `profile`'s list when subscribing
 * through it, else (publishing) every profile's. At most `LISTED` types are named, so the message stays
 * small however long the configured lists are.
 */
export const describeUnknownWithAccepted = (catalog: EventCatalogShape, type: string, profile?: Profile): string => {
  const accepted = [...(profile === undefined ? catalog.publishable : catalog.forProfile(profile))]
  const listed = accepted.slice(0, LISTED).join(", ")
  const more = accepted.length > LISTED ? ` and ${accepted.length - LISTED} more` : ""
  const variables = (profile === undefined ? catalog.profiles : [profile]).map(variableOf).join(", ")
  return `${describeUnknown(type)}: accepted are ${listed}${more} (set by ${variables}, or the eventTypes setting; register more with POST /v1/event-types)`
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
