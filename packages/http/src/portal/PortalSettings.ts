/**
 * How the portal is served: where its links point, who may frame it, and its
 * brand. `@herald/runtime`'s Environment reads them from `HERALD_PUBLIC_URL`,
 * `HERALD_PORTAL_FRAME_ANCESTORS` and `HERALD_PORTAL_THEME`.
 */
import { Context } from "effect"

/** The portal's brand: a colour (`#0a7cff`) and a logo's https URL, each optional. */
export interface Theme {
  readonly brand?: string | undefined
  readonly logo?: string | undefined
}

/** The portal's settings. */
export interface PortalSettingsShape {
  /**
   * The URL clients reach the API at (`https://webhooks.example.com`, with the mount prefix if
   * any), without a trailing slash: a session's link starts with it. When absent, the link is built
   * from the request (`http://` + its `Host` header + the prefix).
   */
  readonly publicUrl?: string | undefined
  /** The page's CSP `frame-ancestors`: who may put it in a frame. `'self'` by default. */
  readonly frameAncestors: string
  readonly theme: Theme
}

/** The defaults: links from the request, framed only by the API's own origin, no brand. */
export const defaults: PortalSettingsShape = { frameAncestors: "'self'", theme: {} }

/** The portal's settings; `defaults` unless the composition provides others. */
export class PortalSettings extends Context.Reference<PortalSettings>()("@herald/http/PortalSettings", {
  defaultValue: (): PortalSettingsShape => defaults
}) {}

/** A brand colour the page accepts: `#rgb` or `#rrggbb`. */
export const isBrandColour = (value: string): boolean => /^#(?:[0-9a-fA-F]{3}){1,2}$/.test(value)

/** A logo URL the page accepts: https only (the page's CSP allows images from https: and itself). */
export const isLogoUrl = (value: string): boolean => {
  try {
    return new URL(value).protocol === "https:"
  } catch {
    return false
  }
}
