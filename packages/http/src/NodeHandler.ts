/**
 * Herald's HTTP API as a Node request handler, for an application that already
 * runs a Node HTTP server (`node:http`, or a framework over it) and serves the
 * API under a path of its own, `/webhooks-api`, beside its own routes. It is
 * the app Herald's own server serves (`HttpApp.app`, one edge composition:
 * authentication per profile, scopes, rate limits, request limits, the body
 * guard, idempotency, error shapes, the request log), with the prefix taken off
 * each request's URL before the edge reads it (`Mount`): rate limits and scopes
 * are the routes' own, `/webhooks-api/openapi.json` and `/webhooks-api/docs`
 * are served, and the document names `/webhooks-api` as its server.
 *
 * ```ts
 * const herald = yield* NodeHandler.make({ prefix: "/webhooks-api" })
 * createServer((request, response) =>
 *   herald.serves(request.url ?? "/") ? herald(request, response) : ownRoutes(request, response))
 * ```
 *
 * Hand it the requests under the prefix (`serves`); one outside it is answered
 * 404 in the default profile's error shape, pointing to the docs. Under
 * Express, `app.use("/webhooks-api", handler)` works too (the URL as sent is
 * read from `originalUrl`); mount it before any body parser, since Herald reads
 * the raw body itself (its size limit, idempotency fingerprints). Clients and
 * the official SDKs take the prefixed base URL: `https://host/webhooks-api/v1`
 * for Datagrid's, `https://host/webhooks-api` for Exa's and Diga's.
 *
 * What the application's server owns:
 * - Request timeouts. Herald's own server gives Node its `headersTimeout` and
 *   `requestTimeout` (`RequestTimeouts`, 10 s and 30 s); here they are the
 *   host server's options (Node's defaults: 60 s and 300 s), to set on it.
 * - Stopping. Close the server first (Node lets the requests in flight
 *   finish), then the scope. Closing the scope waits for the requests in
 *   flight, then releases what the handler used; a request handed to it after
 *   that is answered 503 and its connection closed.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpMiddleware } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, type Scope } from "effect"
import * as Mount from "./edge/Mount.js"
import type * as RequestLog from "./edge/RequestLog.js"
import * as HttpApp from "./HttpApp.js"
import * as NodeServing from "./NodeServing.js"
import type * as PortalSettings from "./portal/PortalSettings.js"

/** Where the handler serves the API (its path prefix), which requests it logs, and the portal's settings. */
export interface Options {
  /**
   * The path the API is served under, such as `/webhooks-api`: a request for
   * `/webhooks-api/v1/webhooks` is the API's `/v1/webhooks`. The root when
   * absent (the handler then serves every path, like Herald's own server).
   */
  readonly prefix?: string | undefined
  /** Which requests are logged; `RequestLog.DEFAULT` (`errors`) when absent. */
  readonly requestLog?: RequestLog.RequestLog | undefined
  /** How the portal is linked, framed and branded; `PortalSettings.defaults` when absent. */
  readonly portal?: PortalSettings.PortalSettingsShape | undefined
}

/** A Node request listener serving Herald's API under a prefix. */
export interface Handler {
  (request: IncomingMessage, response: ServerResponse): void
  /** The prefix, as matched: with a leading `/`, without a trailing one; "" at the root. */
  readonly prefix: string
  /** Whether a request URL (`request.url`) is under the prefix: the requests to hand to this handler. */
  readonly serves: (url: string) => boolean
}

/**
 * The handler, built in `Scope` over the core services, the idempotency store
 * and the edge's limits (what `HttpApp.layer` needs, without the server). A
 * tracer installed around it gets a span per request, as with Herald's server.
 * A prefix that is not a plain path is a defect.
 */
export const make = (options: Options = {}): Effect.Effect<Handler, never, HttpApp.Requirements | Scope.Scope> =>
  Effect.gen(function*() {
    const prefix = yield* Mount.normalize(options.prefix ?? "")
    const served = yield* HttpApp.app({ prefix, requestLog: options.requestLog, portal: options.portal })
    const platform = yield* Layer.build(NodeHttpServer.layerContext)
    const handle = yield* NodeServing.makeHandler(served.app, served.requestLog).pipe(
      Effect.provide(platform),
      Effect.locally(HttpMiddleware.currentTracerDisabledWhen, yield* HttpApp.tracerDisabled)
    )
    // Added after the app was built, so run before it is released.
    const inFlight = yield* tracked
    const handler = (request: IncomingMessage & { readonly originalUrl?: unknown }, response: ServerResponse) => {
      if (!inFlight.enter(response)) {
        response.writeHead(503, { connection: "close", "content-length": 0 }).end()
        return
      }
      // Express and Connect take the mount path off `url` under `app.use("/webhooks-api", handler)` and keep
      // the URL as sent in `originalUrl`: the prefix is matched on that, so both ways of mounting work.
      if (typeof request.originalUrl === "string") request.url = request.originalUrl
      handle(request, response)
    }
    return Object.assign(handler, { prefix, serves: (url: string) => Mount.covers(prefix, url) })
  })

/**
 * The requests in flight, counted until their responses close; once the scope
 * closes no more are let in, and closing waits for those in flight.
 */
const tracked = Effect.gen(function*() {
  let open = true
  let active = 0
  let drained: (() => void) | undefined
  yield* Effect.addFinalizer(() =>
    Effect.async<void>((resume) => {
      open = false
      if (active === 0) resume(Effect.void)
      else drained = () => resume(Effect.void)
    })
  )
  return {
    /** Counts a request in, unless the scope has closed. */
    enter: (response: ServerResponse): boolean => {
      if (!open) return false
      active++
      response.once("close", () => {
        active--
        if (active === 0) drained?.()
      })
      return true
    }
  }
})
