/**
 * API rate limits, over the core `RateLimiter` port: each authenticated request
 * counts against its teamspace's budget for the route (the template, such as
 * `GET /v1/webhooks/{webhook_id}`, not the raw path) and method, in a sliding
 * window (60 s by default). On Redis every API process shares the same counts.
 *
 * Each response of a counted request carries `X-RateLimit-Limit`,
 * `X-RateLimit-Remaining` and `X-RateLimit-Reset` (when the next slot frees, in
 * Unix seconds); a refused one also `Retry-After` (seconds). The refusal's body
 * is each profile's (see `Protection`).
 *
 * The defaults are the endpoints': each declares its own limit with the
 * `RouteLimit` annotation (publishing and creating webhooks do), and a route
 * that declares none gets `DEFAULT_LIMIT`. An endpoint may also declare what a
 * request costs (`RequestCost`): the batch publish counts its events. They come in with the routes of the
 * API being served (`Protection.routesOf`), which this module does not import.
 *
 * Configuration: `HERALD_RATE_LIMITS` (`off`, or `name=limit` entries overriding
 * the defaults, where a name is `default` or a route such as `POST /v1/events`)
 * and `HERALD_RATE_LIMIT_WINDOW`, read by `@herald/runtime`'s Environment with `parse`.
 */
import { HttpApp, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { type Ids, RateLimiter } from "@herald/core"
import { Context, Effect, Either, Layer } from "effect"

/** The rate limits: whether they are on, the window, the default limit per route and each route's own. */
export interface Settings {
  /** False: nothing is counted and no rate limit header is sent. */
  readonly enabled: boolean
  readonly windowMs: number
  /** Requests per window of a route without a limit of its own. */
  readonly defaultLimit: number
  /** Requests per window by route, keyed by `routeKey`. */
  readonly routes: ReadonlyMap<string, number>
  /** What a request costs by route (`RequestCost`), keyed by `routeKey`; 1 for the others. */
  readonly costs: ReadonlyMap<string, Cost>
}

/**
 * The same route however it is written: `METHOD /path` with the method in
 * capitals, the path in lower case without a trailing slash, and every
 * parameter (`:id` or `{id}`) as `:`.
 */
export const routeKey = (method: string, path: string): string => {
  const segments = path.toLowerCase().replace(/\/{2,}/g, "/").replace(/\/+$/, "").split("/")
  const normalised = segments.map((segment) => segment.startsWith(":") || segment.startsWith("{") ? ":" : segment)
  return `${method.toUpperCase()} ${normalised.join("/") || "/"}`
}

/** A route template as the API documents it: `GET /v1/webhooks/{webhook_id}`. */
export const displayRoute = (method: string, path: string): string =>
  `${method.toUpperCase()} ${path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`

/**
 * Requests per window an endpoint allows (a minute unless configured): an
 * annotation on the endpoint, or on its group for every endpoint of the group
 * that does not declare its own. A route declaring none gets `DEFAULT_LIMIT`.
 */
export class RouteLimit extends Context.Tag("@herald/http/RateLimiting/RouteLimit")<RouteLimit, number>() {}

/** How many units of its route's limit a request uses (`of`: at least 1, read from the request), and what they are called (`unit`: `events`). */
export interface Cost {
  readonly unit: string
  readonly of: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<number>
}

/**
 * What a request to an endpoint costs against its limit (`Cost`): an annotation on the endpoint. A
 * route declaring none costs 1 a request. The limit then counts units, not requests.
 */
export class RequestCost extends Context.Tag("@herald/http/RateLimiting/RequestCost")<RequestCost, Cost>() {}

/**
 * A cost of one per item of the JSON body's list `field` (at least 1): a batch route's. A body that
 * is not JSON, or has no such list, costs 1; its decoding refuses it after. The body is read and
 * parsed once: the request keeps the parsed body for the handler's decoder (`NodeServing`).
 */
export const listLength = (field: string): Cost => ({
  unit: field,
  of: (request) =>
    request.json.pipe(
      Effect.map((body) => {
        const list = typeof body === "object" && body !== null ? (body as Record<string, unknown>)[field] : undefined
        return Array.isArray(list) ? Math.max(1, list.length) : 1
      }),
      Effect.orElseSucceed(() => 1)
    )
})

/** Requests per window of a route that declares no limit (`RouteLimit`). */
export const DEFAULT_LIMIT = 600

/** Publishing, the hot path: 100 a second sustained over a minute. */
export const publishing = 6_000

/** Creating a webhook, which is rare. */
export const creatingWebhooks = 60

/** The default sliding window: one minute. */
export const DEFAULT_WINDOW_MS = 60_000

/**
 * A route the app serves, as its endpoint declares it, with the limit it declares (`RouteLimit`) and
 * what a request costs (`RequestCost`), if any.
 */
export interface Route {
  readonly method: string
  readonly path: string
  readonly limit?: number | undefined
  readonly cost?: Cost | undefined
}

/** `name=limit` entries over the limits `routes` declare, where a name is `default` or `METHOD /path`. */
const fromEntries = (
  routes: ReadonlyArray<Route>,
  entries: ReadonlyArray<readonly [string, number]>,
  windowMs: number,
  enabled = true
): Settings => {
  let defaultLimit = DEFAULT_LIMIT
  const limits = new Map<string, number>()
  const costs = new Map<string, Cost>()
  for (const route of routes) {
    if (route.limit !== undefined) limits.set(routeKey(route.method, route.path), route.limit)
    if (route.cost !== undefined) costs.set(routeKey(route.method, route.path), route.cost)
  }
  for (const [name, limit] of entries) {
    if (name === "default") defaultLimit = limit
    else {
      const [method = "", path = ""] = name.split(/\s+/, 2)
      limits.set(routeKey(method, path), limit)
    }
  }
  return { enabled, windowMs, defaultLimit, routes: limits, costs }
}

/** The defaults of an API whose routes are `routes`: the limits they declare, `DEFAULT_LIMIT` for the others. */
export const defaultsFor = (routes: ReadonlyArray<Route>): Settings => fromEntries(routes, [], DEFAULT_WINDOW_MS)

/** Settings from `name=limit` entries over the defaults of `routes` (for tests and embedding). */
export const make = (routes: ReadonlyArray<Route>, options: {
  readonly limits?: Readonly<Record<string, number>>
  readonly windowMs?: number
  readonly enabled?: boolean
}): Settings =>
  fromEntries(routes, Object.entries(options.limits ?? {}), options.windowMs ?? DEFAULT_WINDOW_MS, options.enabled)

/** Rate limiting off: nothing counted, no headers (so no route needs a limit). */
export const disabled: Settings = fromEntries([], [], DEFAULT_WINDOW_MS, false)

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

/**
 * Parses `HERALD_RATE_LIMITS`: `off`, or comma-separated `name=limit` entries
 * over the defaults of `routes` (the limits they declare), where `name` is
 * `default` or `METHOD /path` naming one of `routes` (parameters as `{name}` or
 * `:name`) and `limit` a positive integer.
 */
export const parse = (
  text: string,
  windowMs: number,
  routes: ReadonlyArray<Route>
): Either.Either<Settings, string> => {
  if (text.trim().toLowerCase() === "off") return Either.right(fromEntries(routes, [], windowMs, false))
  const known = new Set(routes.map((route) => routeKey(route.method, route.path)))
  const entries: Array<readonly [string, number]> = []
  for (const [index, raw] of text.split(",").entries()) {
    const entry = raw.trim()
    if (entry === "") continue
    const at = entry.lastIndexOf("=")
    const name = entry.slice(0, at).trim().replace(/\s+/g, " ")
    const value = entry.slice(at + 1).trim()
    const limit = Number(value)
    const where = `entry ${index + 1} (${JSON.stringify(entry)})`
    if (at <= 0 || !/^\d+$/.test(value) || !Number.isSafeInteger(limit) || limit < 1) {
      return Either.left(`${where}: expected default=N or "METHOD /path=N" with N a positive integer, or off`)
    }
    if (name.toLowerCase() !== "default") {
      const [method = "", path = ""] = name.split(" ", 2)
      if (!METHODS.has(method.toUpperCase()) || !path.startsWith("/")) {
        return Either.left(`${where}: a route is "METHOD /path", e.g. "POST /v1/events"`)
      }
      if (!known.has(routeKey(method, path))) {
        return Either.left(`${where}: no such route (routes: ${routes.map((route) => displayRoute(route.method, route.path)).join(", ")})`)
      }
    }
    entries.push([name.toLowerCase() === "default" ? "default" : name, limit])
  }
  return Either.right(fromEntries(routes, entries, windowMs))
}

/** A request refused for the rate limit. */
export interface Refusal {
  /** The route, as `METHOD /path/{param}`. */
  readonly route: string
  readonly limit: number
  readonly windowMs: number
  /** Whole seconds until a retry can succeed, as in `Retry-After`. */
  readonly retryAfterSeconds: number
  /** What the limit counts when not requests (the route's `RequestCost`: a batch's `events`). */
  readonly unit?: string | undefined
}

const seconds = (ms: number) => {
  const n = Math.round(ms / 1000)
  return `${n} second${n === 1 ? "" : "s"}`
}

/** What a rate limit refusal says, in every profile. */
export const describe = (refusal: Refusal): string =>
  `Rate limit exceeded: at most ${refusal.limit} ${
    refusal.unit === undefined ? `${refusal.route} requests` : `${refusal.unit} through ${refusal.route}`
  } per ${seconds(refusal.windowMs)} per teamspace`

/** Why, in more words (Datagrid's `details.reason`). */
export const reason = (refusal: Refusal): string =>
  refusal.unit !== undefined
    ? `This request's ${refusal.unit} do not fit in what is left of the ${refusal.limit} ${refusal.unit} ${refusal.route} takes per ${
      seconds(refusal.windowMs)
    } from your teamspace; enough of those counted leave the window in ${seconds(refusal.retryAfterSeconds * 1000)}.`
    : `Your teamspace made ${refusal.limit} ${refusal.route} requests in the last ${
    seconds(refusal.windowMs)
  }, the most this route allows; the oldest of them leaves the window in ${seconds(refusal.retryAfterSeconds * 1000)}.`

/** How to get through, in every profile. */
export const mitigation = (refusal: Refusal): string =>
  `Retry after ${
    seconds(refusal.retryAfterSeconds * 1000)
  } (the Retry-After header), and spread requests out: X-RateLimit-Remaining says how many are left in the window.`

/** The headers of a counted request's response. */
export const headers = (decision: RateLimiter.RateLimitDecision): Record<string, string> => ({
  "x-ratelimit-limit": String(decision.limit),
  "x-ratelimit-remaining": String(decision.remaining),
  "x-ratelimit-reset": String(Math.ceil(decision.resetAt / 1000)),
  ...(decision.allowed ? {} : { "retry-after": String(retryAfterSeconds(decision)) })
})

/** `Retry-After` of a refusal: whole seconds, rounded up, so that a retry then succeeds. */
export const retryAfterSeconds = (decision: RateLimiter.Refused): number => Math.max(1, Math.ceil(decision.retryAfterMs / 1000))

/** The API's rate limits, as the edge applies them after authentication. */
export interface ApiRateLimitsShape {
  readonly settings: Settings
  /**
   * Counts one request of `teamspace` to the route (`method` and the route's
   * `path` template), as many units as the route's `RequestCost` says of
   * `request`, and has its response carry the rate limit headers. None when
   * rate limiting is off.
   */
  readonly consume: (
    teamspace: Ids.TeamspaceId,
    method: string,
    path: string,
    request: HttpServerRequest.HttpServerRequest
  ) => Effect.Effect<RateLimiter.RateLimitDecision | undefined>
}

/**
 * The API rate limit service, read by `Protection.guard`. Provided by `layer` (through
 * `Protection.layer`).
 */
export class ApiRateLimits extends Context.Tag("@herald/api/ApiRateLimits")<ApiRateLimits, ApiRateLimitsShape>() {}

/** The limiter's keys: `api:` keeps them apart from the worker's delivery limits. */
export const KEY_PREFIX = "api:"

/**
 * Provides `ApiRateLimits` with these settings over the core `RateLimiter` port (shared by every
 * API process on Redis).
 */
export const layer = (settings: Settings): Layer.Layer<ApiRateLimits, never, RateLimiter.RateLimiter> =>
  Layer.effect(
    ApiRateLimits,
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const consume: ApiRateLimitsShape["consume"] = (teamspace, method, path, request) => {
        if (!settings.enabled) return Effect.succeed(undefined)
        const route = routeKey(method, path)
        const rule = { limit: settings.routes.get(route) ?? settings.defaultLimit, windowMs: settings.windowMs }
        const cost = settings.costs.get(route)
        const key = `${KEY_PREFIX}${teamspace}:${method} ${path}`
        return (cost === undefined ? limiter.consume(key, rule) : Effect.flatMap(cost.of(request), (units) => limiter.consume(key, rule, units))).pipe(
          Effect.tap((decision) => {
            const set = headers(decision)
            return HttpApp.appendPreResponseHandler((_request, response) =>
              Effect.succeed(HttpServerResponse.setHeaders(response, set))
            )
          })
        )
      }
      return { settings, consume }
    })
  )
