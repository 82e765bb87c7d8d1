/**
 * The API's routes as data, read once from the HttpApi definition at start and
 * matched as the platform's router matches a request (find-my-way, with the
 * router's own configuration: case, repeated slashes and a trailing slash are
 * ignored), for what is decided about a request around the router:
 *
 * - which methods a path is served for: a known path asked with another method
 *   is a 405 with `Allow`, not the router's 404 (`ErrorMapping`);
 * - whether an endpoint's payload has no required field, so that a request
 *   without a body means `{}` and the defaults apply, as in Stripe and Svix,
 *   or has one, so that a request without a body is told it is missing and what
 *   it must be (`BodyGuard`).
 *
 * Routes served beside the contract (`/openapi.json`, `/docs`) are not in the
 * definition: they are added by whoever serves them (`beside`), so that a wrong
 * method there is a 405 too.
 */
import { HttpApi, type HttpApiGroup, HttpRouter } from "@effect/platform"
import { Effect, Either, FiberRef, Option, Schema, type SchemaAST } from "effect"
import * as FindMyWay from "find-my-way-ts"

/**
 * The API's routes as data: which methods a URL is served for, and whether an endpoint's body may
 * be absent.
 */
export interface Routes {
  /**
   * The methods a request URL is served for, in a fixed order, with HEAD
   * wherever GET is (the router answers HEAD with the GET route) and OPTIONS
   * (answered with them); empty for a path no endpoint has.
   */
  readonly allowedMethods: (url: string) => ReadonlyArray<string>
  /** Whether `method url` is an endpoint that takes a body in which every field is optional. */
  readonly bodyOptional: (method: string, url: string) => boolean
  /** The payload schema of `method url`, if it is an endpoint whose body has a required field. */
  readonly requiredBody: (method: string, url: string) => SchemaAST.AST | undefined
  /**
   * The path `method url` is routed to, as declared (`/v1/webhooks/:webhook_id`; HEAD as GET), for what
   * must name a route without its parameters (metrics' labels); undefined for no route.
   */
  readonly template: (method: string, url: string) => string | undefined
}

/** The order `Allow` lists methods in. */
const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

const rank = (method: string) => {
  const index = ORDER.indexOf(method)
  return index === -1 ? ORDER.length : index
}

/** A route served beside the contract, as the router's `get` and the like declare it. */
export interface Route {
  readonly method: string
  readonly path: FindMyWay.PathInput
}

interface Endpoint {
  readonly path: string
  readonly bodyOptional: boolean
  readonly requiredBody?: SchemaAST.AST
}

/** Whether a payload schema accepts `{}`: every field it has is optional. */
const acceptsEmptyObject = (schema: { readonly ast: SchemaAST.AST }): boolean =>
  Either.isRight(Schema.decodeUnknownEither(Schema.make(schema.ast))({}))

/**
 * Reads the routes of `api` and those served `beside` it, matched with the router's `config`; built
 * once at start.
 */
export const make = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, E, R>(
  api: HttpApi.HttpApi<Id, Groups, E, R>,
  config: Partial<FindMyWay.RouterConfig> = {},
  beside: ReadonlyArray<Route> = []
): Routes => {
  const router = FindMyWay.make<Endpoint>(config)
  const methods = new Set<string>()
  HttpApi.reflect(api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) => {
      methods.add(endpoint.method)
      const payload = Option.getOrUndefined(endpoint.payloadSchema)
      const bodyOptional = payload !== undefined && acceptsEmptyObject(payload)
      router.on(endpoint.method, endpoint.path, {
        path: endpoint.path,
        bodyOptional,
        ...(payload === undefined || bodyOptional ? {} : { requiredBody: payload.ast })
      })
    }
  })
  for (const route of beside) {
    methods.add(route.method)
    router.on(route.method, route.path, { path: String(route.path), bodyOptional: false })
  }
  const served = [...methods]
  return {
    allowedMethods: (url) => {
      const allowed = served.filter((method) => router.find(method, url) !== undefined)
      if (allowed.length === 0) return []
      if (allowed.includes("GET")) allowed.push("HEAD")
      allowed.push("OPTIONS")
      return allowed.sort((a, b) => rank(a) - rank(b))
    },
    bodyOptional: (method, url) => router.find(method, url)?.handler.bodyOptional ?? false,
    requiredBody: (method, url) => router.find(method, url)?.handler.requiredBody,
    template: (method, url) => router.find(method === "HEAD" ? "GET" : method, url)?.handler.path
  }
}

/** The routes of `api` and `beside` it, matched with the router configuration in effect (as the router will be). */
export const fromApi = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, E, R>(
  api: HttpApi.HttpApi<Id, Groups, E, R>,
  beside: ReadonlyArray<Route> = []
): Effect.Effect<Routes> =>
  Effect.map(FiberRef.get(HttpRouter.currentRouterConfig), (config) => make(api, config, beside))
