/**
 * The docs page must work offline: everything it loads (scripts, stylesheets,
 * fonts, source maps, the OpenAPI document) comes from the server that serves
 * it and answers 200. Checked without a browser, by reading what the page and
 * its scripts reference.
 */
import { expect } from "vitest"

const scriptTags = (html: string) => [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)]
const attribute = (attributes: string, name: string) =>
  new RegExp(`\\b${name}\\s*=\\s*["']([^"']*)["']`, "i").exec(attributes)?.[1]
const sourceMaps = (code: string) => [...code.matchAll(/[#@]\s*sourceMappingURL=(\S+)/g)].map((match) => match[1]!)
const ENTITIES: Record<string, string> = { quot: "\"", amp: "&", lt: "<", gt: ">", apos: "'" }
const unescapeHtml = (text: string) =>
  text.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (entity, name: string) =>
    name.startsWith("#x") || name.startsWith("#X")
      ? String.fromCodePoint(parseInt(name.slice(2), 16))
      : name.startsWith("#")
      ? String.fromCodePoint(Number(name.slice(1)))
      : ENTITIES[name] ?? entity)
/** What CSS in the page loads: `url(...)` and `@import`. */
const cssUrls = (css: string) =>
  [...css.matchAll(/url\(\s*["']?([^"')\s]+)["']?\s*\)|@import\s+["']([^"']+)["']/g)].map((match) => match[1] ?? match[2]!)

/** Checks the page at `pageUrl` and everything it loads; the URLs it loads. */
export const checkDocsPage = async (pageUrl: string): Promise<ReadonlyArray<string>> => {
  const page = await fetch(pageUrl)
  expect(page.status).toBe(200)
  expect(page.headers.get("content-type")).toContain("text/html")
  // The browser holds the page to Herald's origin too.
  const policy = page.headers.get("content-security-policy") ?? ""
  expect(policy).toMatch(/(^|;\s*)default-src 'self'(;|$)/)
  expect(policy).not.toMatch(/https?:|\*|(script|connect)-src[^;]*'unsafe-(inline|eval)'/)
  const html = await page.text()
  const origin = new URL(pageUrl).origin

  // What the page loads: script and stylesheet sources, source maps of inline
  // scripts, CSS urls, and the document Scalar is told to fetch.
  const loaded: Array<string> = []
  const inline: Array<string> = []
  for (const [, attributes = "", body = ""] of scriptTags(html)) {
    const src = attribute(attributes, "src")
    if (src !== undefined) loaded.push(src)
    else inline.push(body)
  }
  for (const [, attributes = ""] of html.matchAll(/<link\b([^>]*)>/gi)) {
    const href = attribute(attributes, "href")
    if (href !== undefined) loaded.push(href)
  }
  for (const [, css = ""] of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)) loaded.push(...cssUrls(css))
  for (const code of inline) loaded.push(...sourceMaps(code))
  const configuration = /data-configuration\s*=\s*["']([^"']*)["']/.exec(html)?.[1] ??
    /dataset\.configuration\s*=\s*JSON\.stringify\(([\s\S]*?)\)\s*<\/script>/.exec(html)?.[1]
  expect(configuration, "the page configures Scalar").toBeDefined()
  const config = JSON.parse(unescapeHtml(configuration!)) as {
    readonly url?: string
    readonly withDefaultFonts?: boolean
    readonly telemetry?: boolean
    readonly customCss?: string
  }
  // Scalar's default fonts come from its own CDN; its telemetry goes to its own host.
  expect(config.withDefaultFonts).toBe(false)
  expect(config.telemetry).toBe(false)
  if (config.url !== undefined) loaded.push(config.url)
  if (config.customCss !== undefined) loaded.push(...cssUrls(config.customCss))
  expect(loaded.length).toBeGreaterThan(0)

  const checked = new Set<string>()
  const check = async (reference: string, base: string): Promise<void> => {
    const url = new URL(reference, base)
    // Inline data (an empty icon) is no request.
    if (url.protocol === "data:") return
    expect(url.origin, `${reference} is served by Herald`).toBe(origin)
    if (checked.has(url.href)) return
    checked.add(url.href)
    const response = await fetch(url)
    expect(response.status, `${url.pathname} answers 200`).toBe(200)
    const type = response.headers.get("content-type") ?? ""
    const body = await response.text()
    // A script's or stylesheet's source map is loaded by browsers' developer tools.
    if (/javascript|css/.test(type)) {
      for (const map of sourceMaps(body)) await check(map, url.href)
    }
    if (/css/.test(type)) for (const nested of cssUrls(body)) await check(nested, url.href)
  }
  for (const reference of loaded) await check(reference, pageUrl)
  return [...checked]
}
