/**
 * The docs page at /docs: Scalar's API reference over /openapi.json, served
 * from Herald's own assets so that it works offline and behind a firewall.
 *
 * `HttpApiScalar.layer` inlines the Scalar bundle that @effect/platform ships,
 * but as jsDelivr minified it: its last line points at a source map under
 * `/sm/`, which no one serves (a 404 in every browser's developer tools), and
 * Scalar loads its default fonts from its own CDN. So the page is made here:
 * the same bundle, without that line, served once as `/docs/scalar.js` (cached
 * by the browser instead of resent inside every page), and Scalar configured
 * to reach no host but Herald's (system fonts, no telemetry, no toolbar).
 *
 * The OpenAPI document (/openapi.json) is served here too. Mounted under a path
 * prefix (`NodeHandler`), the page points to its script and document under the
 * prefix, and the document names the prefix as its server, so that the page's
 * "try it" requests (and any client generated from the document) reach the API
 * there. At the root the document is the committed one, without servers.
 */
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { HttpApi, HttpApiBuilder, HttpServerResponse, OpenApi } from "@effect/platform"
import { Effect, type Layer } from "effect"
import type * as Routes from "../edge/Routes.js"

/** Where the docs page is served (under the prefix when mounted). */
export const PATH = "/docs"
/** Where the docs page's script (the Scalar bundle) is served. */
export const SCRIPT_PATH = "/docs/scalar.js"
/** Where the OpenAPI document is served. */
export const DOCUMENT_PATH = "/openapi.json"

/** What is served beside the contract: the page, its script, and the document it reads. */
export const routes: ReadonlyArray<Routes.Route> = ([PATH, SCRIPT_PATH, DOCUMENT_PATH] as const).map((path) => ({ method: "GET", path }))

/**
 * The Scalar bundle @effect/platform ships. Its module is internal (not in the
 * package's exports), so it is imported by its file; the version is pinned,
 * and `DocsPage.test.ts` fails if the file moves.
 */
const scalarBundle = Effect.promise(async () => {
  const platform = dirname(createRequire(import.meta.url).resolve("@effect/platform/package.json"))
  const module = (await import(pathToFileURL(join(platform, "dist/esm/internal/httpApiScalar.js")).href)) as {
    readonly javascript: string
  }
  return module.javascript.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, "\n")
})

/** Scalar's configuration (https://github.com/scalar/scalar/blob/main/documentation/configuration.md), for the API under `prefix`. */
const configuration = (prefix: string) => ({
  url: `${prefix}${DOCUMENT_PATH}`,
  // Inter and JetBrains Mono from fonts.scalar.com otherwise.
  withDefaultFonts: false,
  // Otherwise the API client posts analytics to api.scalar.com when it sends a request.
  telemetry: false,
  // Its toolbar (shown on localhost) uploads the document to Scalar's registry to share it.
  showToolbar: "never",
  _integration: "html"
})

/**
 * The browser itself holds the page to Herald's origin: whatever a Scalar
 * version or setting would fetch from elsewhere is refused. Scalar styles its
 * components inline; icons and fonts may be data URLs.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // Scalar compiles a WebAssembly module (no string eval).
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join("; ")

// @effect/platform's own escaping (`Html.escapeAttribute`, used by HttpApiScalar) is
// internal, not in its exports: one line here rather than a second deep import.
const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

const page = (title: string, prefix: string) =>
  `<!doctype html>
<html>
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(title)}</title>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <!-- No icon: a browser asks for /favicon.ico otherwise. -->
    <link rel="icon" href="data:," />
  </head>
  <body>
    <script id="api-reference" data-configuration="${escapeHtml(JSON.stringify(configuration(prefix)))}"></script>
    <script src="${escapeHtml(`${prefix}${SCRIPT_PATH}`)}"></script>
  </body>
</html>
`

/**
 * The document as served under `prefix`: each server given as a path moved
 * under it, and without servers (Herald's document has none: its paths are
 * from the origin it is fetched from) the prefix as the one server. A relative
 * server URL is resolved against where the document was fetched.
 */
export const mounted = (spec: OpenApi.OpenAPISpec, prefix: string): OpenApi.OpenAPISpec =>
  prefix === ""
    ? spec
    : {
      ...spec,
      servers: (spec.servers ?? [{ url: "/" }]).map((server) =>
        server.url.startsWith("/") ? { ...server, url: `${prefix}${server.url.replace(/\/$/, "")}` } : server
      )
    }

/** The page, its script and the document, for the API mounted under `prefix` ("" at the root; normalized, `Mount`). */
export const layer = (prefix: string): Layer.Layer<never, never, HttpApi.Api> =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      const { api } = yield* HttpApi.Api
      const spec = OpenApi.fromApi(api)
      const html = HttpServerResponse.html(page(spec.info.title, prefix)).pipe(
        HttpServerResponse.setHeader("content-security-policy", CONTENT_SECURITY_POLICY)
      )
      const script = HttpServerResponse.text(yield* scalarBundle, {
        contentType: "application/javascript; charset=utf-8",
        headers: { "cache-control": "public, max-age=3600" }
      })
      const document = yield* HttpServerResponse.json(mounted(spec, prefix)).pipe(Effect.orDie)
      yield* router.get(PATH, Effect.succeed(html))
      yield* router.get(SCRIPT_PATH, Effect.succeed(script))
      yield* router.get(DOCUMENT_PATH, Effect.succeed(document))
    })
  )
