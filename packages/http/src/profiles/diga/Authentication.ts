/**
 * The Diga profile's authentication, as the contract declares it:
 * `Authorization: Bearer <key>`, failing with 403 (Diga's only authentication
 * failure) or 429, providing the caller (`Principal`). The server's
 * implementation is `Authenticator`.
 */
import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Schema } from "effect"
import { Principal } from "../../edge/Principal.js"
import { DigaForbidden, DigaTooManyRequests } from "./Errors.js"

/**
 * The Diga profile's authentication middleware, as the contract declares it (bearer key; 403 or
 * 429; provides `Principal`). `Authenticator.layer` implements it.
 */
export class DigaAuthentication extends HttpApiMiddleware.Tag<DigaAuthentication>()("@herald/api/DigaAuthentication", {
  failure: Schema.Union(DigaForbidden, DigaTooManyRequests),
  provides: Principal,
  security: { bearer: HttpApiSecurity.bearer }
}) {}
