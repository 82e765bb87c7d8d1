/**
 * The delivery side of a profile: how an event becomes the bytes and headers a
 * receiver gets. The payload is already JSON text, so rendering is assembly; the
 * signing time goes into the body where a profile documents it. Each profile
 * provides its own (see `Profiles`); the signing primitives are `Signing`.
 */
import type { Event } from "./Event.js"

/**
 * How one profile renders and signs a delivery: the body for an event at signing time `t`, and the
 * headers signing it with every current secret. `@herald/http`'s profiles each provide one (see
 * `Profiles.ProfileDelivery`).
 */
export interface WireFormat {
  /** The JSON body for a delivery signed at unix time `t`. */
  readonly render: (event: Event, t: number) => string
  /** The signature headers for a rendered body. */
  readonly signatureHeaders: (secrets: ReadonlyArray<string>, event: Event, t: number, body: string) => Record<string, string>
}
