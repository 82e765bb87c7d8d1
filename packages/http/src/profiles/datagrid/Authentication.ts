/**
 * Authentication, as the contract declares it: `Authorization: Bearer <key>`,
 * failing with 401, 403 or 429, providing the caller (`Principal`). Clients
 * import it with the routes; the server's implementation is `Authenticator`.
 */
import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Schema } from "effect"
import { Principal } from "../../edge/Principal.js"
import { Forbidden, TooManyRequests, Unauthorized } from "./Errors.js"

export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@herald/api/Authentication", {
  failure: Schema.Union(Unauthorized, Forbidden, TooManyRequests),
  provides: Principal,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

export const TEAMSPACE_HEADER = "datagrid-teamspace"
