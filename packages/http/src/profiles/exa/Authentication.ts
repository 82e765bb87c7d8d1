/**
 * The Exa profile's authentication: the API key in `x-api-key`, as exa-js sends
 * it (Exa also accepts `Authorization: Bearer <key>`, so Herald does too). The
 * key's teamspace is the caller's; Exa has no teamspace header. Then
 * `Protection.guard` checks the rate limit (429) and the key's scopes (403).
 */
import { HttpApiMiddleware, HttpApiSecurity, HttpServerRequest } from "@effect/platform"
import { ApiKeys } from "@herald/core"
import { Effect, Layer, Redacted, Schema } from "effect"
import { Principal } from "../../edge/Principal.js"
import { ExaForbidden, ExaTooManyRequests, ExaUnauthorized, refusals, unauthorized } from "./Errors.js"
import * as Protection from "../../edge/Protection.js"

export class ExaAuthentication extends HttpApiMiddleware.Tag<ExaAuthentication>()("@herald/api/ExaAuthentication", {
  failure: Schema.Union(ExaUnauthorized, ExaForbidden, ExaTooManyRequests),
  provides: Principal,
  security: { apiKey: HttpApiSecurity.apiKey({ key: "x-api-key", in: "header" }) }
}) {}

const BEARER = "bearer "

/** The `x-api-key`, or else the bearer token. */
const keyOf = (apiKey: Redacted.Redacted<string>) =>
  Redacted.value(apiKey) !== ""
    ? Effect.succeed(apiKey)
    : Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
      const authorization = request.headers["authorization"] ?? ""
      return Redacted.make(authorization.toLowerCase().startsWith(BEARER) ? authorization.slice(BEARER.length) : "")
    })

export const layer = Layer.effect(
  ExaAuthentication,
  Effect.gen(function*() {
    const apiKeys = yield* ApiKeys.ApiKeys
    const guard = yield* Protection.guard(refusals)
    return {
      apiKey: (apiKey) =>
        keyOf(apiKey).pipe(
          Effect.flatMap((key) => apiKeys.authenticate(key)),
          Effect.mapError((error) => unauthorized(error.message)),
          Effect.map((key) => ({ teamspace: key.teamspace, key })),
          Effect.tap(guard)
        )
    }
  })
)
