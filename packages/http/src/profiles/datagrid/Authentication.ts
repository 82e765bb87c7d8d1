/**
 * Authentication, as the contract declares it: `Authorization: Bearer <key>`,
 * failing with 401, 403 or 429, providing the caller (`Principal`). Clients
 * import it with the routes; the server's implementation is `Authenticator`.
 */
import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Schema } from "effect"
import { Principal } from "../../edge/Principal.js"
import { Forbidden, TooManyRequests, Unauthorized } from "./Errors.js"

/**
 * The Datagrid profile's authentication middleware, as the contract declares it (bearer key; 401,
 * 403 or 429; provides `Principal`). Herald's native groups use it too; `Authenticator.layer`
 * implements it.
 */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@herald/api/Authentication", {
  failure: Schema.Union(Unauthorized, Forbidden, TooManyRequests),
  provides: Principal,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

/** The header naming the teamspace a request is for; it must be the key's own. */
export const TEAMSPACE_HEADER = "datagrid-teamspace"
