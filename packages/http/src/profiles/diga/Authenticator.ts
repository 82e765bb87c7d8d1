/**
 * How the Diga profile authenticates, the server's side of `DigaAuthentication`:
 * `Authorization: Bearer <key>`, the key's teamspace being the caller's. Diga
 * documents 403 as its only authentication failure (FastAPI's bearer scheme
 * answers 403 to a missing token), so a missing or unknown key is a 403 in
 * Diga's error shape. Then `Protection.guard` checks the rate limit (429) and
 * the key's scopes (403, `INSUFFICIENT_SCOPE`).
 */
import { ApiKeys } from "@herald/core"
import { Effect, Layer, Redacted } from "effect"
import * as Protection from "../../edge/Protection.js"
import { DigaAuthentication } from "./Authentication.js"
import { forbidden, refusals } from "./Errors.js"

/**
 * Implements `DigaAuthentication`: needs the core's `ApiKeys`, and `Protection`'s services for the
 * rate limits and scopes checked after the key.
 */
export const layer = Layer.effect(
  DigaAuthentication,
  Effect.gen(function*() {
    const apiKeys = yield* ApiKeys.ApiKeys
    const guard = yield* Protection.guard(refusals)
    return {
      bearer: (token) =>
        Redacted.value(token) === ""
          ? Effect.fail(forbidden("NOT_AUTHENTICATED", "Not authenticated: send Authorization: Bearer <API key>"))
          : apiKeys.authenticate(token).pipe(
            Effect.mapError((error) => forbidden("INVALID_API_KEY", error.message)),
            Effect.map((key) => ({ teamspace: key.teamspace, key })),
            Effect.tap(guard)
          )
    }
  })
)
