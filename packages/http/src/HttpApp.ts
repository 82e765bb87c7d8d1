/**
 * The HTTP app: the HeraldApi contract implemented by the handlers, behind the
 * edge (`Edge`, which orders the checks every request meets), with the
 * generated OpenAPI document at /openapi.json, a docs page at /docs
 * (`DocsPage`) and the customer portal at /portal/ (`PortalPage`). `layer` serves it on a Node server of its own; `app` is the same
 * app for another server to serve (`NodeHandler`, in an application's server).
 */
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { Socket } from "node:net"
import { type HttpApi, HttpApiBuilder, HttpMiddleware, HttpServer, type HttpServerError } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import type {
  ApiKeys,
  DeliveryLog,
  EventTypes as EventTypesService,
  IdempotencyStore,
  Listeners as ListenersService,
  PortalSessions,
  Publisher,
  Replay,
  Webhooks
} from "@herald/core"
import { DeliveryQueue, Metrics, Tracing } from "@herald/core"
import { Effect, Layer, type Scope } from "effect"
import { HeraldApi } from "./Contract.js"
import * as DocsPage from "./docs/DocsPage.js"
import * as Edge from "./edge/Edge.js"
import * as Deliveries from "./native/DeliveriesHandlers.js"
import * as Events from "./native/EventsHandlers.js"
import * as EventTypes from "./native/EventTypesHandlers.js"
import * as Listeners from "./native/ListenersHandlers.js"
import * as Portal from "./native/PortalHandlers.js"
import * as Exposition from "./metrics/Exposition.js"
import * as Health from "./native/HealthHandlers.js"
import * as NodeServing from "./NodeServing.js"
import * as PortalPage from "./portal/PortalPage.js"
import * as PortalSettings from "./portal/PortalSettings.js"
import * as Profiles from "./Profiles.js"
import type * as RateLimiting from "./edge/RateLimiting.js"
import type * as RequestLimits from "./edge/RequestLimits.js"
import * as RequestLog from "./edge/RequestLog.js"
import * as RequestTimeouts from "./edge/RequestTimeouts.js"
import * as Routes from "./edge/Routes.js"
import * as Stopping from "./edge/Stopping.js"
import type * as Scopes from "./edge/Scopes.js"

/** What the app serves: which requests it logs, and the path prefix it is mounted under. */
export interface AppOptions {
  /** Which requests are logged; `RequestLog.DEFAULT` when absent. */
  readonly requestLog?: RequestLog.RequestLog | undefined
  /** The path prefix the API is served under, normalized (`Mount.normalize`); the root when absent. */
  readonly prefix?: string | undefined
  /** How the portal is linked, framed and branded; `PortalSettings.defaults` when absent. */
  readonly portal?: PortalSettings.PortalSettingsShape | undefined
}

/** Where Herald's own server listens, and how long a client may take to send a request. */
export interface ListenOptions extends Omit<AppOptions, "prefix"> {
  readonly port: number
  readonly host: string
  /** How long a client may take to send a request; `RequestTimeouts.defaults` when absent. */
  readonly timeouts?: RequestTimeouts.Timeouts | undefined
}

/**
 * The Node server. Node checks for expired requests every
 * `connectionsCheckingInterval` (30 s by default, which would stretch a 1 s
 * timeout to 31 s), so the check runs a few times per shortest timeout, at most
 * every second.
 */
const createNodeServer = (timeouts: RequestTimeouts.Timeouts, onClose: () => void) => () =>
  closingUnusedConnections(createServer({
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(timeouts.headersMs / 4)))
  }), onClose)

/**
 * `server` whose `close` raises `Stopping` (`onClose`), and also ends the connections on which no request ever
 * came. Node's `close` ends the idle ones between requests but waits for these,
 * and no timeout ends them: a browser opens them ahead of need (the portal, the
 * docs page) and keeps them for minutes, which held a stop up as long.
 */
const closingUnusedConnections = (server: Server, onClose: () => void): Server => {
  const unused = new Set<Socket>()
  server.on("connection", (socket: Socket) => {
    unused.add(socket)
    socket.once("close", () => unused.delete(socket))
  })
  server.on("request", (request: IncomingMessage) => unused.delete(request.socket))
  const close = server.close.bind(server)
  server.close = (callback) => {
    // Before Node waits for the responses in progress: the endless ones end on it.
    onClose()
    close(callback)
    for (const socket of unused) socket.destroy()
    return server
  }
  return server
}

/** The core services the handlers call. */
export type CoreServices =
  | ApiKeys.ApiKeys
  | DeliveryLog.DeliveryLog
  | EventTypesService.EventTypes
  | ListenersService.Listeners
  | PortalSessions.PortalSessions
  | Publisher.Publisher
  | Replay.Replay
  | Webhooks.Webhooks

/**
 * The implemented API: every registered profile's handlers and Herald's native
 * ones, with every profile's authentication (the native routes use the default
 * profile's); needs the core services (Webhooks, Publisher, DeliveryLog,
 * ApiKeys), and the edge's rate limits and declared scopes.
 */
export const apiLayer: Layer.Layer<HttpApi.Api, never, CoreServices | RateLimiting.ApiRateLimits | Scopes.Declared> = HttpApiBuilder.api(HeraldApi).pipe(
  Layer.provide([Profiles.handlers, Deliveries.layer, Events.layer, EventTypes.layer, Portal.layer, Listeners.layer, Health.layer]),
  Layer.provide(Profiles.authentications)
)

/** What serving the API needs: the core services, the idempotency store and the edge's limits. */
export type Requirements =
  | CoreServices
  | IdempotencyStore.IdempotencyStore
  | RateLimiting.ApiRateLimits
  | RequestLimits.RequestLimits

/** The API behind the edge, with the docs page and the document beside it, for a server to serve (`Edge.Served`). */
export const app = (options: AppOptions): Effect.Effect<Edge.Served, never, Requirements | Scope.Scope> =>
  Effect.gen(function*() {
    const metrics = yield* Metrics.Enabled
    const prefix = options.prefix ?? ""
    const pages = Layer.merge(DocsPage.layer(prefix), PortalPage.layer(options.portal ?? PortalSettings.defaults))
    const beside = metrics
      ? Layer.merge(
        pages,
        Exposition.layer(yield* Exposition.make(yield* Effect.serviceOption(DeliveryQueue.DeliveryQueue)), yield* Exposition.Token)
      )
      : pages
    const routes = yield* Routes.fromApi(
      HeraldApi,
      [...DocsPage.routes, ...PortalPage.routes, ...(metrics ? Exposition.routes : [])]
    )
    const served = yield* Edge.make({
      api: HeraldApi,
      implementation: apiLayer,
      beside,
      routes,
      profiles: Profiles.all,
      requestLog: options.requestLog ?? RequestLog.DEFAULT,
      metrics,
      prefix
    })
    // The handlers read the portal's settings (its links) as each request runs.
    return options.portal === undefined
      ? served
      : { ...served, app: Effect.provideService(served.app, PortalSettings.PortalSettings, options.portal) }
  })

/**
 * Whether the platform's tracing span per request is opened. It has the
 * request's URL and headers as attributes; Herald itself installs no tracer,
 * and without one those spans went nowhere and cost a fifth of a bare
 * request's CPU: they are opened only when a tracer is installed around the
 * server (`Tracing.isInstalled`). A value of `HttpMiddleware.currentTracerDisabledWhen`.
 */
export const tracerDisabled = Effect.map(Effect.tracer, (tracer) => {
  const traced = Tracing.isInstalled(tracer)
  return () => !traced
})

/** Serves the API on a Node HTTP server (exposed, so callers can read its address). */
export const layer = (
  options: ListenOptions
): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError, Requirements> =>
  Layer.unwrapScoped(
    Effect.zipWith(tracerDisabled, app(options), (disabledWhen, served) => {
      const stopping = Stopping.make()
      return HttpServer.serve(served.app, served.requestLog).pipe(
        HttpServer.withLogAddress,
        HttpMiddleware.withTracerDisabledWhen(disabledWhen),
        // In the server's context, so in each request's from its start (`NodeServing`): no provide per request.
        Layer.provide(Layer.succeed(Stopping.Stopping, stopping.signal)),
        Layer.provideMerge(
          Layer.merge(
            Layer.scoped(
              HttpServer.HttpServer,
              NodeServing.make(createNodeServer(options.timeouts ?? RequestTimeouts.defaults, stopping.raise), {
                port: options.port,
                host: options.host
              })
            ),
            NodeHttpServer.layerContext
          )
        )
      )
    })
  )
