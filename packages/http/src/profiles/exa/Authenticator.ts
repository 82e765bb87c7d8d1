/**
 * How the Exa profile authenticates, the server's side of `ExaAuthentication`:
 * the API key in `x-api-key`, as exa-js sends it (Exa also accepts
 * `Authorization: Bearer <key>`, so Herald does too). The key's teamspace is the
 * caller's; Exa has no teamspace header. Then `Protection.guard` checks the rate
 * limit (429) and the key's scopes (403).
 */
import { HttpServerRequest } from "@effect/platform"
import { ApiKeys } from "@herald/core"
import { Effect, FiberRef, Layer, Redacted } from "effect"
import * as Protection from "../../edge/Protection.js"
import * as RequestIds from "../../contract/RequestId.js"
import { ExaAuthentication } from "./Authentication.js"
import { refusals, unauthorized } from "./Errors.js"

const BEARER = "bearer "

/** The `x-api-key`, or else the bearer token. */
const keyOf = (apiKey: Redacted.Redacted<string>) =>
  Redacted.value(apiKey) !== ""
    ? Effect.succeed(apiKey)
    : Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
      const authorization = request.headers["authorization"] ?? ""
      return Redacted.make(authorization.toLowerCase().startsWith(BEARER) ? authorization.slice(BEARER.length) : "")
    })

/**
 * Implements `ExaAuthentication` (`x-api-key`, or a bearer token): needs the core's `ApiKeys`, and
 * `Protection`'s services for the rate limits and scopes checked after the key.
 */
export const layer = Layer.effect(
  ExaAuthentication,
  Effect.gen(function*() {
    const apiKeys = yield* ApiKeys.ApiKeys
    const guard = yield* Protection.guard(refusals)
    return {
      apiKey: (apiKey) =>
        keyOf(apiKey).pipe(
          Effect.flatMap((key) => apiKeys.authenticate(key)),
          Effect.catchAll((error) =>
            Effect.flatMap(FiberRef.get(RequestIds.current), (id) => Effect.fail(unauthorized(error.message, id)))
          ),
          Effect.map((key) => ({ teamspace: key.teamspace, key })),
          Effect.tap(guard)
        )
    }
  })
)
