/**
 * The HTTP edge: what every request meets, whichever profile it comes through,
 * in the order it meets it. This module is where that order is decided; each
 * stage's own module says what it does.
 *
 * 1. Request id (`RequestId`), outermost: the id sent or a new one, answered
 *    in `X-Request-Id` and on every log line of the request; then the request
 *    log (`RequestLog`) and the request metrics (`RequestMetrics`, when
 *    `metrics` is on): they see the response as sent, whatever answered it, a
 *    refusal from any stage below included. Applied by whoever serves the app
 *    (`Served.requestLog`), around the response's write.
 * 2. Mount (`Mount`), only for an API mounted under a path prefix: the prefix
 *    is taken off the URL, so that every stage below sees the API's own paths
 *    (a request outside the prefix is a 404). Inside the log, which logs the
 *    URL as the client sent it.
 * 3. Error mapping (`ErrorMapping`): every failure below it, from a stage or a
 *    handler, a domain error or the framework's, becomes a body in the
 *    profile's shape (a 404, or a 405 with `Allow`, for what the router does
 *    not serve).
 * 4. Request limits (`RequestLimits`): a body too large is a 413 and a body
 *    that is not JSON a 415 before anything reads it, so no later stage (not
 *    even authentication) spends work on such a request.
 * 5. Body guard (`BodyGuard`): bodies the framework mishandles (too deep, not
 *    well-formed Unicode, a missing body) are refused or mended; inside the
 *    request limits, since it reads the body they bounded.
 * 6. Idempotency (`Idempotency`): a POST with an `Idempotency-Key` is replayed
 *    or reserved. It checks the API key itself, as authentication will (keys
 *    are per API key), and is inside the body guard so that nothing the guard
 *    refuses reserves a key. A replay skips the stages below: its scopes and
 *    rate limit were checked when it first ran.
 * 7. Routing, then the group's authentication (per profile: the key is read
 *    from where the profile's SDKs send it, and refused in its shape), then
 *    `Protection.guard`: the rate limit (counted even when the scopes refuse),
 *    then the scopes the endpoint declares (`Scopes.Required`, looked up in
 *    `Scopes.layer` of the contract).
 * 8. The endpoint's handler.
 *
 * Routes served beside the contract (the docs page, the OpenAPI document) are
 * answered by the router too, so stages 1-6 stand in front of them as well.
 *
 * The result is an app, not a server: Herald's own Node server serves it
 * (`HttpApp.layer`), and so can an application's server (`NodeHandler`).
 */
import { type HttpApi, HttpApiBuilder, type HttpApiGroup, type HttpApp, type HttpRouter } from "@effect/platform"
import type { ApiKeys, IdempotencyStore } from "@herald/core"
import { Effect, identity, Layer, type Scope } from "effect"
import * as BodyGuard from "./BodyGuard.js"
import * as ErrorMapping from "./ErrorMapping.js"
import * as Idempotency from "./Idempotency.js"
import * as Mount from "./Mount.js"
import type * as HttpProfile from "../profiles/HttpProfile.js"
import * as RequestLimits from "./RequestLimits.js"
import * as RequestMetrics from "../metrics/RequestMetrics.js"
import * as RequestId from "./RequestId.js"
import * as RequestLog from "./RequestLog.js"
import type * as Routes from "./Routes.js"
import * as Scopes from "./Scopes.js"

/**
 * What the edge wraps: the contract and its implementation, the routes served beside it, the
 * registered profiles and the request log setting.
 */
export interface Options<Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, AE, AR, E, R> {
  /** The contract: the endpoints' declared scopes are read from it. */
  readonly api: HttpApi.HttpApi<Id, Groups, AE, AR>
  /** The contract implemented: the handlers and each group's authentication. */
  readonly implementation: Layer.Layer<HttpApi.Api, E, R>
  /** Routes added beside the contract's (docs). */
  readonly beside: Layer.Layer<never, never, HttpApi.Api>
  /** The contract's routes and those beside it, as data (for the 405s and the body guard). */
  readonly routes: Routes.Routes
  /** The registered profiles: each path's error shape, and how its profile presents API keys. */
  readonly profiles: HttpProfile.Registry
  readonly requestLog: RequestLog.RequestLog
  /** Whether each request is counted and timed (`RequestMetrics`). */
  readonly metrics: boolean
  /** The path prefix the API is mounted under, normalized (`Mount.normalize`); "" at the root. */
  readonly prefix: string
}

/** The API behind the edge, for a server to serve: `app` with `requestLog` around it. */
export interface Served {
  /** Stages 2-8. */
  readonly app: HttpApp.Default<never, HttpRouter.HttpRouter.DefaultServices>
  /** Stage 1, the middleware to serve `app` with (`HttpServer.serve`, `NodeHttpServer.makeHandler`): id, log and metrics. */
  readonly requestLog: <E, R>(app: HttpApp.Default<E, R>) => HttpApp.Default<E, R>
}

/**
 * Stages 2-8 as layers; built, they hold the router with every route, the API
 * and its middlewares, from which `HttpApiBuilder.httpApp` makes the app.
 */
const stages = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, AE, AR, E, R>(
  options: Options<Id, Groups, AE, AR, E, R>
) =>
  Layer.context<HttpApiBuilder.Router | HttpApiBuilder.Middleware | HttpApi.Api>().pipe(
    Layer.provide(options.beside),
    // Stages 2-6 are API middlewares: each wraps those provided after it (they are built first).
    Layer.provide(options.prefix === "" ? Layer.empty : Mount.layer(options.prefix, options.profiles)), // 2
    Layer.provide(ErrorMapping.layer(options.routes, options.profiles, options.prefix)), // 3
    Layer.provide(RequestLimits.middleware), // 4
    Layer.provide(BodyGuard.layer(options.routes)), // 5
    Layer.provide(Idempotency.layer(options.profiles, {
      notReplayed: { routes: Idempotency.notReplayedOf(options.api), templateOf: options.routes.template }
    })), // 6
    Layer.provide(options.implementation.pipe(Layer.provide(Scopes.layer(options.api)))), // 7, 8
    // One router and one middleware registry for all of the above (each layer names the same two, built once).
    Layer.provide(Layer.merge(HttpApiBuilder.Router.Live, HttpApiBuilder.Middleware.layer))
  )

/**
 * The API behind the edge, its stages in the order above, built in `Scope`
 * (its routes and middlewares its own: another HttpApi in the same
 * application has its own router).
 */
export const make = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, AE, AR, E, R>(
  options: Options<Id, Groups, AE, AR, E, R>
): Effect.Effect<
  Served,
  E,
  | Exclude<R, Scopes.Declared>
  | RequestLimits.RequestLimits
  | IdempotencyStore.IdempotencyStore
  | ApiKeys.ApiKeys
  | Scope.Scope
> =>
  Effect.map(
    Effect.flatMap(Layer.build(stages(options)), (context) => Effect.provide(HttpApiBuilder.httpApp, context)),
    (app) => {
      const log = RequestLog.middleware(options.requestLog)
      const measured = options.metrics ? RequestMetrics.middleware(options.routes, options.prefix) : identity
      return { app, requestLog: <E, R>(inner: HttpApp.Default<E, R>) => RequestId.middleware(log(measured(inner))) }
    }
  )
