/**
 * Herald's customer portal, for the server that serves it: the directory of
 * the built page and the list of its files with their content types. The page
 * (`index.html` and `assets/`) is a static single-page app that a provider
 * gives each customer to manage their webhooks through Herald's API with a
 * short-lived session token (`#token=hps_...`).
 *
 * Serve the files under `<api root>/portal/` (redirect `<api root>/portal` there: the page's
 * URLs are relative, `./assets/...`, and the browser keeps the `#token=` fragment across the
 * redirect). Serve `index.html` with `Cache-Control: no-cache` (after putting the theme
 * JSON, HTML-escaped, in its `<meta name="herald-portal-theme" content="">`,
 * see `THEME_PLACEHOLDER`) and the files with `immutable: true` (content-hashed
 * names) with a long cache lifetime. The page loads nothing but its own files
 * and Herald's API, so a strict CSP fits: `default-src 'self'; script-src 'self';
 * style-src 'self'; img-src 'self' https: data:; connect-src 'self'`.
 *
 * @packageDocumentation
 */
import { existsSync, readdirSync, statSync } from "node:fs"
import { extname, join, sep } from "node:path"
import { fileURLToPath } from "node:url"

/** One file of the built page. */
export interface SiteFile {
  /** Relative to `siteDirectory`, with `/` separators: `index.html`, `assets/index-3f9a0c1d.js`. */
  readonly path: string
  /** The `Content-Type` to send it with. */
  readonly contentType: string
  /** True for content-hashed files, which never change under their name: cache them for a long time. */
  readonly immutable: boolean
}

/**
 * The absolute path of the built page (`dist/site` of this package). The same
 * from the sources and from the build, both one level below the package root.
 */
export const siteDirectory: string = fileURLToPath(new URL("../dist/site/", import.meta.url)).replace(/[\\/]$/, "")

/** The exact tag in `index.html` whose empty `content` the server replaces with the theme's JSON, HTML-escaped. */
export const THEME_PLACEHOLDER = '<meta name="herald-portal-theme" content="">'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8"
}

/** The content type for a file name, by its extension (`application/octet-stream` for an unknown one). */
export const contentTypeOf = (path: string): string => CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream"

/** Vite names built assets `assets/<name>-<hash>.<ext>`, the hash 8 characters of base64url. */
const HASHED = /^assets\/.+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/

const list = (directory: string): ReadonlyArray<SiteFile> => {
  if (!existsSync(directory)) return []
  return (readdirSync(directory, { recursive: true }) as Array<string>)
    .filter((path) => statSync(join(directory, path)).isFile())
    .map((path) => path.split(sep).join("/"))
    .sort()
    .map((path) => ({ path, contentType: contentTypeOf(path), immutable: HASHED.test(path) }))
}

/**
 * Every file of the built page, relative to `siteDirectory`, read when this
 * module loads. Empty when the page has not been built (running from the
 * sources of a fresh checkout: `npm run build -w @herald/portal` builds it).
 */
export const files: ReadonlyArray<SiteFile> = list(siteDirectory)
