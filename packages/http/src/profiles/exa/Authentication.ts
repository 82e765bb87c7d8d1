/**
 * The Exa profile's authentication, as the contract declares it: the API key in
 * `x-api-key`, as exa-js sends it, failing with 401, 403 or 429, providing the
 * caller (`Principal`). The server's implementation is `Authenticator`.
 */
import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Schema } from "effect"
import { Principal } from "../../edge/Principal.js"
import { ExaForbidden, ExaTooManyRequests, ExaUnauthorized } from "./Errors.js"

/**
 * The Exa profile's authentication middleware, as the contract declares it (`x-api-key`; 401, 403
 * or 429; provides `Principal`). `Authenticator.layer` implements it.
 */
export class ExaAuthentication extends HttpApiMiddleware.Tag<ExaAuthentication>()("@herald/api/ExaAuthentication", {
  failure: Schema.Union(ExaUnauthorized, ExaForbidden, ExaTooManyRequests),
  provides: Principal,
  security: { apiKey: HttpApiSecurity.apiKey({ key: "x-api-key", in: "header" }) }
}) {}
