/**
 * The provider's theme: a brand colour and a logo, from the page's
 * `<meta name="herald-portal-theme" content="{json}">` (the server fills it from
 * `HERALD_PORTAL_THEME`) and overridden by the `brand` and `logo` query
 * parameters. A brand that is not a hex colour (#rgb or #rrggbb) or a logo that
 * is not an https: URL is ignored, so a link cannot inject CSS or load anything
 * but an image over https.
 */

/** A validated theme: each part is present only when valid. */
export interface Theme {
  readonly brand?: string
  readonly logo?: string
}

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i

/** The colour when it is `#rgb` or `#rrggbb`. */
export const validBrand = (value: unknown): string | undefined =>
  typeof value === "string" && HEX.test(value.trim()) ? value.trim().toLowerCase() : undefined

/** The URL when it is an absolute https: URL. */
export const validLogo = (value: unknown): string | undefined => {
  if (typeof value !== "string") return undefined
  try {
    const url = new URL(value.trim())
    return url.protocol === "https:" ? url.href : undefined
  } catch {
    return undefined
  }
}

const fromJson = (content: string): Record<string, unknown> => {
  if (content.trim() === "") return {}
  try {
    const parsed: unknown = JSON.parse(content)
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

/** The theme from the meta tag's content (JSON, possibly empty) and the page's query string. */
export const parseTheme = (metaContent: string, search: string): Theme => {
  const base = fromJson(metaContent)
  const query = new URLSearchParams(search)
  const brand = validBrand(query.get("brand")) ?? validBrand(base["brand"])
  const logo = validLogo(query.get("logo")) ?? validLogo(base["logo"])
  return { ...(brand === undefined ? {} : { brand }), ...(logo === undefined ? {} : { logo }) }
}

/** `#abc` as `[r, g, b]` from 0 to 255. */
const channels = (hex: string): readonly [number, number, number] => {
  const digits = hex.slice(1)
  const full = digits.length === 3 ? [...digits].map((d) => d + d).join("") : digits
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as unknown as readonly [number, number, number]
}

/** WCAG's relative luminance of a hex colour, 0 (black) to 1 (white). */
export const luminance = (hex: string): number => {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** WCAG's contrast ratio of two hex colours, 1 to 21. */
export const contrast = (a: string, b: string): number => {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (light + 0.05) / (dark + 0.05)
}

/** The text colour with the better contrast on a background of this colour: black or white. */
export const textOn = (background: string): "#000000" | "#ffffff" =>
  contrast(background, "#000000") >= contrast(background, "#ffffff") ? "#000000" : "#ffffff"
