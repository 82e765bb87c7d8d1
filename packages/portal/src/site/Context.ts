/**
 * What every view of the portal is given: the API, the session, the profile's
 * specifics, the event catalog, and a way to announce results to screen
 * readers (the page's live region).
 */
import type { Api, EventType, Session } from "./Api.js"
import type { PortalProfile } from "./Profiles.js"

/** Announce a result ("Test event sent") or an error in the live region. */
export type Announce = (message: string, kind?: "status" | "error") => void

/** The portal's shared state for its views. */
export interface Ctx {
  readonly api: Api
  readonly session: Session
  /** Undefined for a profile the portal does not know: creating is not offered. */
  readonly profile: PortalProfile | undefined
  readonly readOnly: boolean
  /** The profile's event types (archived ones not listed); undefined while loading, null when the catalog is not available. */
  readonly catalog: ReadonlyArray<EventType> | null | undefined
  readonly announce: Announce
}
