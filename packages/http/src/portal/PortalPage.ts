/**
 * The portal page (`@herald/portal`), served beside the API at `/portal/`
 * (under the prefix when mounted): its `index.html` with the theme filled in,
 * never cached, and its content-hashed assets, cached for a year. `/portal`
 * redirects to `/portal/`, keeping the query; the browser keeps the `#token=`
 * fragment across the redirect. Every file is read once, at start.
 *
 * The page loads nothing but its own files and Herald's API, so its CSP allows
 * nothing else (images excepted: a theme's logo is an https URL), and who may
 * frame it is the provider's choice (`frame-ancestors`, `'self'` by default).
 * No referrer leaves it.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { HttpApiBuilder, type HttpApi, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as Portal from "@herald/portal"
import { Effect, type Layer } from "effect"
import type * as Routes from "../edge/Routes.js"
import type { PortalSettingsShape } from "./PortalSettings.js"

/** Where the portal page is served (under the prefix when mounted); links add `/#token=...`. */
export const PATH = "/portal"

/** The page's own files, under `PATH`. */
const assets = Portal.files.filter((file) => file.path !== "index.html")

/** What is served beside the contract: the page, at `/portal` and `/portal/`, and its files. */
export const routes: ReadonlyArray<Routes.Route> = [
  { method: "GET", path: PATH },
  ...assets.map((file): Routes.Route => ({ method: "GET", path: `${PATH}/${file.path}` as Routes.Route["path"] }))
]

/** The page's CSP: its own scripts and styles, the API, https images (a logo); framed by `frameAncestors`. */
export const contentSecurityPolicy = (frameAncestors: string): string =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    `frame-ancestors ${frameAncestors}`
  ].join("; ")

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

/** `index.html` with the theme in its placeholder, as HTML-escaped JSON. */
export const page = (html: string, settings: PortalSettingsShape): string =>
  html.replace(
    Portal.THEME_PLACEHOLDER,
    Portal.THEME_PLACEHOLDER.replace('content=""', `content="${escapeHtml(JSON.stringify(settings.theme))}"`)
  )

const common = { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" }

/** The page and its files, with `settings`' framing and theme; a 503 saying how to build it when it was not. */
export const layer = (settings: PortalSettingsShape): Layer.Layer<never, never, HttpApi.Api> =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      if (!Portal.files.some((file) => file.path === "index.html")) {
        // Only from the sources of a checkout where it was never built (a published package has it).
        const missing = `The portal page is not built (no index.html in ${Portal.siteDirectory}): npm run build -w @herald/portal`
        yield* Effect.logWarning(missing)
        yield* router.get(PATH, Effect.succeed(HttpServerResponse.text(missing, { status: 503 })))
        return
      }
      const html = HttpServerResponse.text(page(readFileSync(join(Portal.siteDirectory, "index.html"), "utf8"), settings), {
        contentType: "text/html; charset=utf-8"
      }).pipe(
        HttpServerResponse.setHeaders({
          ...common,
          "content-security-policy": contentSecurityPolicy(settings.frameAncestors),
          "cache-control": "no-cache"
        })
      )
      // The router ignores a trailing slash: `/portal` and `/portal/` reach this one route, told apart here.
      yield* router.get(
        PATH,
        Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
          const [path = "", query] = request.url.split("?", 2)
          return path.endsWith("/")
            ? html
            // Relative, so that it holds under any prefix: from `.../portal`, `portal/` is `.../portal/`.
            : HttpServerResponse.empty({ status: 308, headers: { location: `portal/${query === undefined ? "" : `?${query}`}` } })
        })
      )
      for (const file of assets) {
        const response = HttpServerResponse.uint8Array(readFileSync(join(Portal.siteDirectory, file.path)), {
          contentType: file.contentType,
          headers: { ...common, "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache" }
        })
        yield* router.get(`${PATH}/${file.path}`, Effect.succeed(response))
      }
    })
  )
