/**
 * The HTTP app: the HeraldApi contract implemented by the handlers, with the
 * generated OpenAPI document at /openapi.json and a docs page at /docs
 * (`DocsPage`).
 */
import { createServer } from "node:http"
import { HttpApiBuilder, HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Tracing } from "@herald/core"
import { Effect, Layer } from "effect"
import { HeraldApi } from "./Api.js"
import * as Authentication from "./Authentication.js"
import * as BodyGuard from "./BodyGuard.js"
import * as DigaAuthentication from "./DigaAuthentication.js"
import * as DocsPage from "./DocsPage.js"
import * as ErrorMapping from "./ErrorMapping.js"
import * as ExaAuthentication from "./ExaAuthentication.js"
import * as DatagridWebhooks from "./handlers/DatagridWebhooks.js"
import * as Deliveries from "./handlers/Deliveries.js"
import * as DigaWebhooks from "./handlers/DigaWebhooks.js"
import * as Events from "./handlers/Events.js"
import * as ExaEvents from "./handlers/ExaEvents.js"
import * as ExaWebhooks from "./handlers/ExaWebhooks.js"
import * as Health from "./handlers/Health.js"
import * as Idempotency from "./Idempotency.js"
import * as RequestLimits from "./RequestLimits.js"
import * as RequestLog from "./RequestLog.js"
import * as RequestTimeouts from "./RequestTimeouts.js"
import * as Routes from "./Routes.js"

export interface ListenOptions {
  readonly port: number
  readonly host: string
  /** Which requests are logged; `RequestLog.DEFAULT` when absent. */
  readonly requestLog?: RequestLog.RequestLog | undefined
  /** How long a client may take to send a request; `RequestTimeouts.defaults` when absent. */
  readonly timeouts?: RequestTimeouts.Timeouts | undefined
}

/**
 * The Node server. Node checks for expired requests every
 * `connectionsCheckingInterval` (30 s by default, which would stretch a 1 s
 * timeout to 31 s), so the check runs a few times per shortest timeout, at most
 * every second.
 */
const createNodeServer = (timeouts: RequestTimeouts.Timeouts) => () =>
  createServer({
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(timeouts.headersMs / 4)))
  })

/** The implemented API; needs the core services (Webhooks, Publisher, DeliveryLog, ApiKeys). */
export const apiLayer = HttpApiBuilder.api(HeraldApi).pipe(
  Layer.provide([
    DatagridWebhooks.layer,
    Deliveries.layer,
    Events.layer,
    ExaWebhooks.layer,
    ExaEvents.layer,
    DigaWebhooks.layer,
    Health.layer
  ]),
  Layer.provide([Authentication.layer, ExaAuthentication.layer, DigaAuthentication.layer])
)

const serve = (requestLog: RequestLog.RequestLog) =>
  requestLog === "all"
    ? HttpApiBuilder.serve(HttpMiddleware.logger)
    : requestLog === "errors"
    ? HttpApiBuilder.serve(RequestLog.errorsOnly)
    : HttpApiBuilder.serve()

/**
 * Serves the API on a Node HTTP server (exposed, so callers can read its address).
 * The platform opens a tracing span per request, with its URL and headers as
 * attributes. Herald itself installs no tracer, and without one those spans went
 * nowhere and cost a fifth of a bare request's CPU: they are opened only when a
 * tracer is installed around this layer (`Tracing.isInstalled`).
 */
export const layer = (options: ListenOptions) =>
  Layer.unwrapEffect(
    Effect.zipWith(
      Effect.tracer,
      Routes.fromApi(HeraldApi, DocsPage.routes),
      (tracer, routes) => served(options, Tracing.isInstalled(tracer), routes)
    )
  )

const served = (options: ListenOptions, traced: boolean, routes: Routes.Routes) =>
  serve(options.requestLog ?? RequestLog.DEFAULT).pipe(
    Layer.provide(DocsPage.layer),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: DocsPage.DOCUMENT_PATH })),
    // API middlewares: each wraps those provided after it (they are built first).
    Layer.provide(ErrorMapping.layer(routes)),
    Layer.provide(RequestLimits.middleware),
    Layer.provide(BodyGuard.layer(routes)),
    Layer.provide(Idempotency.layer()),
    Layer.provide(apiLayer),
    HttpServer.withLogAddress,
    HttpMiddleware.withTracerDisabledWhen(() => !traced),
    Layer.provideMerge(NodeHttpServer.layer(createNodeServer(options.timeouts ?? RequestTimeouts.defaults), { port: options.port, host: options.host }))
  )
