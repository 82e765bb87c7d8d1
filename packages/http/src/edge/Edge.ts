/**
 * The HTTP edge: what every request meets, whichever profile it comes through,
 * in the order it meets it. This module is where that order is decided; each
 * stage's own module says what it does.
 *
 * 1. Request log (`RequestLog`), outermost: it sees the response as sent,
 *    whatever answered it, a refusal from any stage below included.
 * 2. Error mapping (`ErrorMapping`): every failure below it, from a stage or a
 *    handler, a domain error or the framework's, becomes a body in the
 *    profile's shape (a 404, or a 405 with `Allow`, for what the router does
 *    not serve).
 * 3. Request limits (`RequestLimits`): a body too large is a 413 and a body
 *    that is not JSON a 415 before anything reads it, so no later stage (not
 *    even authentication) spends work on such a request.
 * 4. Body guard (`BodyGuard`): bodies the framework mishandles (too deep, not
 *    well-formed Unicode, a missing body) are refused or mended; inside the
 *    request limits, since it reads the body they bounded.
 * 5. Idempotency (`Idempotency`): a POST with an `Idempotency-Key` is replayed
 *    or reserved. It checks the API key itself, as authentication will (keys
 *    are per API key), and is inside the body guard so that nothing the guard
 *    refuses reserves a key. A replay skips the stages below: its scopes and
 *    rate limit were checked when it first ran.
 * 6. Routing, then the group's authentication (per profile: the key is read
 *    from where the profile's SDKs send it, and refused in its shape), then
 *    `Protection.guard`: the rate limit (counted even when the scopes refuse),
 *    then the scopes the endpoint declares (`Scopes.Required`, looked up in
 *    `Scopes.layer` of the contract).
 * 7. The endpoint's handler.
 *
 * Routes served beside the contract (the docs page, the OpenAPI document) are
 * answered by the router too, so stages 1-5 stand in front of them as well.
 */
import { type HttpApi, HttpApiBuilder, type HttpApiGroup, HttpMiddleware, type HttpRouter, type HttpServer } from "@effect/platform"
import type { ApiKeys, IdempotencyStore } from "@herald/core"
import { Layer } from "effect"
import * as BodyGuard from "./BodyGuard.js"
import * as ErrorMapping from "./ErrorMapping.js"
import * as Idempotency from "./Idempotency.js"
import type * as HttpProfile from "../profiles/HttpProfile.js"
import * as RequestLimits from "./RequestLimits.js"
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
}

/** Stage 1: the server, logging the requests `requestLog` asks for. */
const logged = (
  requestLog: RequestLog.RequestLog
): Layer.Layer<never, never, HttpServer.HttpServer | HttpApi.Api | HttpRouter.HttpRouter.DefaultServices> =>
  requestLog === "all"
    ? HttpApiBuilder.serve(HttpMiddleware.logger)
    : requestLog === "errors"
    ? HttpApiBuilder.serve(RequestLog.errorsOnly)
    : HttpApiBuilder.serve()

/** The API served behind the edge, its stages in the order above. */
export const layer = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, AE, AR, E, R>(
  options: Options<Id, Groups, AE, AR, E, R>
): Layer.Layer<
  never,
  E,
  | Exclude<R, Scopes.Declared>
  | HttpServer.HttpServer
  | HttpRouter.HttpRouter.DefaultServices
  | RequestLimits.RequestLimits
  | IdempotencyStore.IdempotencyStore
  | ApiKeys.ApiKeys
> =>
  logged(options.requestLog).pipe( // 1
    Layer.provide(options.beside),
    // Stages 2-5 are API middlewares: each wraps those provided after it (they are built first).
    Layer.provide(ErrorMapping.layer(options.routes, options.profiles)), // 2
    Layer.provide(RequestLimits.middleware), // 3
    Layer.provide(BodyGuard.layer(options.routes)), // 4
    Layer.provide(Idempotency.layer(options.profiles)), // 5
    Layer.provide(options.implementation.pipe(Layer.provide(Scopes.layer(options.api)))) // 6, 7
  )
