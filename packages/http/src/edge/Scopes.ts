/**
 * Which scopes a route needs, by its method and template (the same rule in every
 * profile):
 *
 * - reading (GET, HEAD) needs `read` or `webhooks:write`: a key that manages
 *   webhooks may see them (the SDKs read a webhook back after changing it);
 * - reading a webhook's signing secret (Diga's `GET /v1/webhook/{id}/secret`)
 *   needs `webhooks:write`: a read-only key never sees a secret;
 * - publishing (`POST /v1/events`) needs `events:publish`, and nothing else does;
 * - everything else (creating, updating, deleting webhooks, rotating secrets,
 *   test sends, recovering and redelivering) needs `webhooks:write`.
 */
import type { ApiKeyStore } from "@herald/core"

type Scope = ApiKeyStore.Scope

/** The scopes of which a key needs at least one for `method` on the route `path` (a template, e.g. `/v1/webhooks/:webhook_id`). */
export const required = (method: string, path: string): ReadonlyArray<Scope> => {
  const route = path.toLowerCase().replace(/\/+$/, "")
  if (route.endsWith("/secret")) return ["webhooks:write"]
  if (method === "GET" || method === "HEAD") return ["read", "webhooks:write"]
  if (method === "POST" && route === "/v1/events") return ["events:publish"]
  return ["webhooks:write"]
}

/** Whether a key with `scopes` may call the route. */
export const allows = (scopes: ReadonlyArray<Scope>, needed: ReadonlyArray<Scope>): boolean =>
  needed.some((scope) => scopes.includes(scope))

/** A request refused for its key's scopes. */
export interface Refusal {
  /** The route, as `METHOD /path/{param}`. */
  readonly route: string
  /** The key needs one of these. */
  readonly required: ReadonlyArray<Scope>
  /** The key has these. */
  readonly granted: ReadonlyArray<Scope>
}

/** What a scope refusal says, in every profile. */
export const describe = (refusal: Refusal): string =>
  `This API key may not call ${refusal.route}: it needs the ${
    refusal.required.map((scope) => `\`${scope}\``).join(" or ")
  } scope, and has ${refusal.granted.length === 0 ? "none" : refusal.granted.map((scope) => `\`${scope}\``).join(", ")}`

/** How to fix a scope refusal, in every profile. */
export const mitigation = (refusal: Refusal): string =>
  `Use an API key with the ${refusal.required[0]} scope.`
