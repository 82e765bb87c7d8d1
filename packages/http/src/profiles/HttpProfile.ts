/**
 * What a profile is, as one value: everything the profile-neutral parts of the
 * HTTP API need to know about it. Each profile's folder exports one
 * (`profiles/<name>/Profile.ts`) and the registry (`Profiles`) lists them; the
 * neutral modules (error mapping, idempotency, the OpenAPI grouping, the
 * server's layers, the contract) read these fields instead of naming profiles.
 */
import type { HttpApi, HttpApiError, HttpApiGroup, HttpServerRequest } from "@effect/platform"
import type { Profiles } from "@herald/core"
import type { Layer } from "effect"
import type { ErrorResponder } from "../edge/FrameworkFailure.js"

/** The fields the neutral edge reads (a test may make one without an API). */
export interface Neutral extends Profiles.ProfileDelivery {
  /** Its name in the docs: the OpenAPI tag group, and the `(title)` its tags end with. */
  readonly title: string
  /** The path prefixes it serves (a prefix or below, in lower case): unknown routes there get its error shape. */
  readonly paths: ReadonlyArray<string>
  /** Its error bodies for framework failures (decode errors, unknown routes, defects). */
  readonly errors: ErrorResponder
  /** The API key as its authentication reads it from a request ("" when absent). */
  readonly apiKeyOf: (request: HttpServerRequest.HttpServerRequest) => string
  /** The teamspace a request asks for, when the profile lets a key choose one. */
  readonly teamspaceAsked: (request: HttpServerRequest.HttpServerRequest) => string | undefined
}

/**
 * A profile as the contract knows it (`contract` in its `Api.ts`, listed by
 * `contract/Profiles`): what clients load, no server code.
 */
export interface ContractPart<Api extends HttpApi.HttpApi<"herald", HttpApiGroup.HttpApiGroup.Any, HttpApiError.HttpApiDecodeError>> {
  readonly name: string
  readonly title: string
  /** Its groups, in an API with the contract's id, so its handlers fit `HeraldApi`. */
  readonly api: Api
}

/** A profile: the neutral fields, its part of the contract, and the layers that serve it. */
export interface HttpProfile<
  Api extends HttpApi.HttpApi<"herald", HttpApiGroup.HttpApiGroup.Any, HttpApiError.HttpApiDecodeError>,
  Handlers extends Layer.Layer.Any,
  Authentication extends Layer.Layer.Any
> extends Neutral, ContractPart<Api> {
  /** Its groups' handlers (one layer per handlers module). */
  readonly handlers: readonly [Handlers, ...Array<Handlers>]
  /** Its authentication middleware. */
  readonly authentication: Authentication
}

/** The registered profiles as the neutral edge reads them, the default first. */
export type Registry = readonly [Neutral, ...Array<Neutral>]

/** Any profile, whatever its API, handlers and authentication: what the registry holds. */
export type Any = HttpProfile<HttpApi.HttpApi<"herald", HttpApiGroup.HttpApiGroup.Any, HttpApiError.HttpApiDecodeError>, Layer.Layer.Any, Layer.Layer.Any>

const BEARER = "bearer "

/** The bearer token as HttpApi's bearer scheme reads it: whatever follows the first 7 characters. */
export const bearerToken = (request: HttpServerRequest.HttpServerRequest): string =>
  (request.headers["authorization"] ?? "").slice(BEARER.length)

/** The bearer token, only when `Authorization` says `Bearer ` (any case). */
export const strictBearerToken = (request: HttpServerRequest.HttpServerRequest): string => {
  const authorization = request.headers["authorization"] ?? ""
  return authorization.toLowerCase().startsWith(BEARER) ? authorization.slice(BEARER.length) : ""
}

/**
 * The profile whose error shape a request path gets: the one serving the path,
 * else the first (the default). The router ignores case, repeated slashes and a
 * trailing slash, so this does too.
 */
export const ofPath = (profiles: Registry, url: string): Neutral => {
  const path = url.split("?")[0]!.toLowerCase().replace(/\/{2,}/g, "/")
  return profiles.find((profile) => profile.paths.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) ??
    profiles[0]
}

type AnyApi = HttpApi.HttpApi<"herald", HttpApiGroup.HttpApiGroup.Any, HttpApiError.HttpApiDecodeError>

type GroupsOf<P> = P extends { readonly api: HttpApi.HttpApi<"herald", infer Groups, HttpApiError.HttpApiDecodeError> } ? Groups
  : never

/** `api` with every profile's groups added, in order, typed for the handlers. */
export const addAll = <
  Id extends string,
  Groups extends HttpApiGroup.HttpApiGroup.Any,
  E,
  R,
  const P extends ReadonlyArray<ContractPart<AnyApi>>
>(
  api: HttpApi.HttpApi<Id, Groups, E, R>,
  profiles: P
): HttpApi.HttpApi<Id, Groups | GroupsOf<P[number]>, E, R> =>
  profiles.reduce(
    (all, profile) => all.addHttpApi(profile.api as unknown as HttpApi.HttpApi.AnyWithProps),
    api as unknown as HttpApi.HttpApi.AnyWithProps
  ) as never
