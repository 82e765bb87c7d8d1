/**
 * API protection: rate limits and scopes, checked for every authenticated
 * request right after its key, and the request limits (body size, content
 * type) checked before routing. Each profile's authentication middleware runs
 * `guard` with its own error bodies, so a refusal is a 429 or 403 in the shape
 * of the profile the request came through.
 */
import { HttpApi, HttpRouter, HttpServerRequest } from "@effect/platform"
import { Metrics, type RateLimiter } from "@herald/core"
import { Context, Effect, FiberRef, Layer, Option } from "effect"
import type { PrincipalShape } from "./Principal.js"
import * as RateLimiting from "./RateLimiting.js"
import * as RequestId from "./RequestId.js"
import * as RequestIds from "../contract/RequestId.js"
import * as RequestLimits from "./RequestLimits.js"
import * as Scopes from "./Scopes.js"

/**
 * The API's protection: its rate limits and request limits. `defaultsFor(HeraldApi)` gives the
 * defaults; `@herald/runtime`'s Environment reads them from `HERALD_RATE_LIMITS`,
 * `HERALD_RATE_LIMIT_WINDOW` and `HERALD_MAX_BODY_BYTES`.
 */
export interface Settings {
  readonly rateLimits: RateLimiting.Settings
  readonly requestLimits: RequestLimits.Settings
}

/** Every route of an HttpApi, as its endpoints declare them, with the rate limit each declares (`RateLimiting.RouteLimit`). */
export const routesOf = (api: HttpApi.HttpApi.Any): ReadonlyArray<RateLimiting.Route> => {
  const routes: Array<RateLimiting.Route> = []
  HttpApi.reflect(api as HttpApi.HttpApi.AnyWithProps, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, mergedAnnotations }) =>
      routes.push({
        method: endpoint.method,
        path: endpoint.path,
        limit: Option.getOrUndefined(Context.getOption(mergedAnnotations, RateLimiting.RouteLimit)),
        cost: Option.getOrUndefined(Context.getOption(mergedAnnotations, RateLimiting.RequestCost))
      })
  })
  return routes
}

/** The defaults for serving `api`: the rate limits its endpoints declare, and the default request limits. */
export const defaultsFor = (api: HttpApi.HttpApi.Any): Settings => ({ rateLimits: RateLimiting.defaultsFor(routesOf(api)), requestLimits: RequestLimits.defaults })

/** The services `guard` and the request limits need, given the core `RateLimiter`. */
export const layer = (
  settings: Settings
): Layer.Layer<RateLimiting.ApiRateLimits | RequestLimits.RequestLimits, never, RateLimiter.RateLimiter> =>
  Layer.merge(RateLimiting.layer(settings.rateLimits), RequestLimits.layer(settings.requestLimits))

/** How one profile says no. */
export interface Refusals<E> {
  /** A rate limit's refusal; `requestId`, the request's (`RequestId`), for a shape that carries it. */
  readonly rateLimited: (refusal: RateLimiting.Refusal, requestId?: string) => E
  readonly forbidden: (refusal: Scopes.Refusal, requestId?: string) => E
}

/**
 * The checks after authentication, for a profile's middleware: count the
 * request against its teamspace's limit for the route (whatever the outcome
 * below, and with the rate limit headers on its response), then refuse a portal
 * session where the endpoint is for API keys only (`Scopes.KeysOnly`), then check
 * the key's scopes (those the matched endpoint declares, `Scopes.Required`).
 */
export const guard = <E>(refusals: Refusals<E>) =>
  Effect.map(Effect.all([RateLimiting.ApiRateLimits, Scopes.Declared, Metrics.Enabled]), ([limits, declared, metrics]) => (principal: PrincipalShape) =>
    Effect.gen(function*() {
      yield* RequestId.annotateTeamspace(principal.teamspace)
      const { route } = yield* HttpRouter.RouteContext
      const request = yield* HttpServerRequest.HttpServerRequest
      const method = route.method === "*" ? request.method : route.method
      const path = String(route.path)
      const display = RateLimiting.displayRoute(method, path)
      const decision = yield* limits.consume(principal.teamspace, method, path, request)
      if (decision !== undefined && !decision.allowed) {
        if (metrics) Metrics.rateLimited({ route: display })
        return yield* Effect.fail(refusals.rateLimited({
          route: display,
          limit: decision.limit,
          windowMs: limits.settings.windowMs,
          retryAfterSeconds: RateLimiting.retryAfterSeconds(decision),
          unit: limits.settings.costs.get(RateLimiting.routeKey(method, path))?.unit
        }, yield* FiberRef.get(RequestIds.current)))
      }
      const required = declared.scopes(route.method, path)
      if (required === undefined) return yield* Effect.dieMessage(`${display} declares no scopes`)
      if (principal.key.session !== null && declared.keysOnly(route.method, path)) {
        return yield* Effect.fail(refusals.forbidden(
          { route: display, required, granted: principal.key.scopes, session: true },
          yield* FiberRef.get(RequestIds.current)
        ))
      }
      if (!Scopes.allows(principal.key.scopes, required)) {
        return yield* Effect.fail(
          refusals.forbidden({ route: display, required, granted: principal.key.scopes }, yield* FiberRef.get(RequestIds.current))
        )
      }
    }))
