/**
 * The registry of profiles a deployment serves, as the core needs it: each
 * profile's name, its envelope and signature (`WireFormat`) and its default
 * event types. The core never names a profile; the composition provides this
 * (Herald's HTTP package lists its profiles), and the catalog of event types
 * (`EventType`), webhook creation and the Dispatcher read it.
 *
 * The first profile listed is the default for a webhook created without one.
 */
import { Context, Layer } from "effect"
import { echo, InvalidInput } from "./Errors.js"
import type { EventType } from "./EventType.js"
import type { Profile } from "./Profile.js"
import type { WireFormat } from "./WireFormat.js"

/** What the core knows of one profile. */
export interface ProfileDelivery {
  readonly name: Profile
  readonly wireFormat: WireFormat
  /** The event types it accepts unless configuration replaces them (`HERALD_EVENT_TYPES_<NAME>`). */
  readonly eventTypes: ReadonlyArray<EventType>
  /** What its event types mean, by name: the catalog's descriptions of configured types a teamspace did not describe. */
  readonly eventTypeDescriptions?: Readonly<Record<string, string>> | undefined
  /**
   * An example of each event type's data, by name: the catalog's example of configured types a teamspace did
   * not give one (what `herald trigger` publishes without `--data`). Each must be a JSON object.
   */
  readonly eventTypeExamples?: Readonly<Record<string, Record<string, unknown>>> | undefined
}

/** The registered profiles: all of them (the default first) and a lookup by name. */
export interface ProfilesShape {
  /** Every registered profile, the default first. */
  readonly all: readonly [ProfileDelivery, ...Array<ProfileDelivery>]
  /** A profile by name; undefined when it is not registered. */
  readonly get: (name: Profile) => ProfileDelivery | undefined
}

/**
 * The profile registry port: which profiles this deployment serves. Provided by the composition
 * (`@herald/http`'s `Profiles.layer` for the HTTP profiles, or `layer` here); read by
 * `EventType.layerDefault`, `Webhooks` and the `Dispatcher`.
 */
export class Profiles extends Context.Tag("@herald/core/Profiles")<Profiles, ProfilesShape>() {}

/** The registry of `profiles`; their names must be distinct. */
export const make = (profiles: readonly [ProfileDelivery, ...Array<ProfileDelivery>]): ProfilesShape => {
  const byName = new Map(profiles.map((profile) => [profile.name, profile]))
  if (byName.size !== profiles.length) {
    throw new Error(`profile names must be distinct: ${profiles.map((profile) => profile.name).join(", ")}`)
  }
  return { all: profiles, get: (name) => byName.get(name) }
}

/** Provides `Profiles` with these profiles, the first being the default. Dies when two share a name. */
export const layer = (profiles: readonly [ProfileDelivery, ...Array<ProfileDelivery>]): Layer.Layer<Profiles> =>
  Layer.sync(Profiles, () => make(profiles))

/** A refusal of `value` where the request's `param` must name one of `known` profiles. */
export const refusal = (known: ReadonlyArray<Profile>, param: string, value: string): InvalidInput =>
  InvalidInput.single([param], `${param} must be one of ${known.join(", ")}, not ${echo(value)}`)
