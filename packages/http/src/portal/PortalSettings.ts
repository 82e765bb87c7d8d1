/**
 * How the portal is served: where its links point, who may frame it, and its
 * brand. `@herald/runtime`'s Environment reads them from `HERALD_PUBLIC_URL`,
 * `HERALD_PORTAL_FRAME_ANCESTORS` and `HERALD_PORTAL_THEME`.
 */
import { Context, Either } from "effect"

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

/** Parses a public URL: http or https, no credentials, query or fragment; written without a trailing slash. */
export const parsePublicUrl = (text: string): Either.Either<string, string> => {
  const expected = "must be the http(s) URL clients reach the API at, like https://webhooks.example.com (no query or fragment)"
  try {
    const url = new URL(text.trim())
    if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
      return Either.left(expected)
    }
    return Either.right(url.href.replace(/\/+$/, ""))
  } catch {
    return Either.left(expected)
  }
}

const SOURCE = /^(?:'self'|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?(?:\/[^\s;,'"]*)?)$/i

/**
 * Parses a CSP `frame-ancestors` value: `'none'` alone, or sources separated by spaces (`'self'`,
 * `https:`, `https://dashboard.example.com`, `https://*.example.com`).
 */
export const parseFrameAncestors = (text: string): Either.Either<string, string> => {
  const sources = text.trim().split(/\s+/).filter((source) => source !== "")
  if (sources.length === 1 && sources[0] === "'none'") return Either.right("'none'")
  if (sources.includes("'none'")) return Either.left("must be 'none' alone, or sources without it: 'none' allows no one")
  // Unquoted, a keyword is a host of that name: `self` would let no one frame the page. A shell drops the quotes of `'self'`.
  const bare = sources.find((source) => /^(?:self|none)$/i.test(source))
  if (bare !== undefined) {
    return Either.left(
      `must write ${bare} with its single quotes, '${bare.toLowerCase()}' (unquoted it is a host name; in a shell quote the whole value: "'${bare.toLowerCase()}' https://dashboard.example.com")`
    )
  }
  const bad = sources.find((source) => !SOURCE.test(source))
  if (sources.length === 0 || bad !== undefined) {
    return Either.left(
      `must be 'none', or sources separated by spaces such as 'self' https://dashboard.example.com https://*.example.com${
        bad === undefined ? "" : `; ${JSON.stringify(bad.slice(0, 40))} is not one`
      }`
    )
  }
  return Either.right(sources.join(" "))
}

/** Parses a theme: a JSON object with `brand` (`#rgb` or `#rrggbb`) and `logo` (an https URL), each optional. */
export const parseTheme = (text: string): Either.Either<Theme, string> => {
  const expected = "must be a JSON object like {\"brand\": \"#0a7cff\", \"logo\": \"https://example.com/logo.svg\"}"
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return Either.left(expected)
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return Either.left(expected)
  const { brand, logo, ...rest } = value as Record<string, unknown>
  const unknown = Object.keys(rest)[0]
  if (unknown !== undefined) return Either.left(`${expected}: ${JSON.stringify(unknown.slice(0, 40))} is not a theme field`)
  if (brand !== undefined && !(typeof brand === "string" && isBrandColour(brand))) {
    return Either.left(`${expected}: brand must be a colour as #rgb or #rrggbb`)
  }
  if (logo !== undefined && !(typeof logo === "string" && isLogoUrl(logo))) {
    return Either.left(`${expected}: logo must be an https URL`)
  }
  return Either.right({ ...(brand === undefined ? {} : { brand }), ...(logo === undefined ? {} : { logo }) })
}
