/**
 * How the Datagrid profile (and Herald's native routes) authenticate, the
 * server's side of `Authentication`: `Authorization: Bearer <key>` maps to the
 * key's teamspace. A `Datagrid-Teamspace` header naming another teamspace is
 * refused (403): a key's teamspace is fixed. Then `Protection.guard` counts the
 * request against the teamspace's rate limit (429) and checks the key's scopes (403).
 */
import { HttpServerRequest } from "@effect/platform"
import { ApiKeys } from "@herald/core"
import { Effect, Layer } from "effect"
import * as Protection from "../../edge/Protection.js"
import { Authentication, TEAMSPACE_HEADER } from "./Authentication.js"
import { forbidden, refusals, unauthorized } from "./Errors.js"

/**
 * Implements `Authentication`: needs the core's `ApiKeys`, and `Protection`'s services for the rate
 * limits and scopes checked after the key.
 */
export const layer = Layer.effect(
  Authentication,
  Effect.gen(function*() {
    const apiKeys = yield* ApiKeys.ApiKeys
    const guard = yield* Protection.guard(refusals)
    return {
      bearer: (token) =>
        Effect.gen(function*() {
          const key = yield* apiKeys.authenticate(token).pipe(
            Effect.mapError((error) => unauthorized(error.message))
          )
          const request = yield* HttpServerRequest.HttpServerRequest
          const asked = request.headers[TEAMSPACE_HEADER]
          if (asked !== undefined && asked !== "" && asked !== key.teamspace) {
            return yield* Effect.fail(forbidden("This API key may not act in the requested teamspace"))
          }
          const principal = { teamspace: key.teamspace, key }
          yield* guard(principal)
          return principal
        })
    }
  })
)
