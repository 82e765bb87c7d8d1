/**
 * API key scopes. Each endpoint declares the scopes it needs with the
 * `Required` annotation (on the endpoint, or on its group as the default for
 * the group's endpoints), and the edge checks them after authentication
 * (`Protection.guard`), looking the matched endpoint up by its method and route
 * template. The rule, the same in every profile:
 *
 * - reading (GET) needs `read` or `webhooks:write`: a key that manages
 *   webhooks may see them (the SDKs read a webhook back after changing it);
 * - reading a webhook's signing secret (`GET /v1/webhooks/{id}/secret`, Diga's
 *   `GET /v1/webhook/{id}/secret`) needs `webhooks:write`: a read-only key never
 *   sees a secret;
 * - publishing (`POST /v1/events`) needs `events:publish`, and nothing else does;
 * - everything else (creating, updating, deleting webhooks, rotating secrets,
 *   test sends, recovering and redelivering, changing the event type catalog,
 *   opening portal sessions) needs `webhooks:write`.
 *
 * A portal session's token (`PortalSessions.open`) carries `read`, and
 * `webhooks:write` unless read-only, but is refused where an endpoint says
 * `KeysOnly`: what stays with the provider's backend (changing the event type
 * catalog, opening portal sessions).
 */
import { HttpApi, type HttpApiGroup } from "@effect/platform"
import type { ApiKeyStore } from "@herald/core"
import { Context, Effect, Layer, Option } from "effect"

type Scope = ApiKeyStore.Scope

/**
 * The scopes of which a key needs at least one to call an endpoint: an
 * annotation on the endpoint, or on its group for every endpoint of the group
 * that does not declare its own.
 */
export class Required extends Context.Tag("@herald/http/Scopes/Required")<Required, ReadonlyArray<Scope>>() {}

/**
 * An endpoint only API keys may call, never a portal session's token: an annotation on the
 * endpoint (true), like `Required`.
 */
export class KeysOnly extends Context.Tag("@herald/http/Scopes/KeysOnly")<KeysOnly, boolean>() {}

/** Reading: `read`, or `webhooks:write` (whoever may change webhooks may see them). */
export const read: ReadonlyArray<Scope> = ["read", "webhooks:write"]

/** Changing webhooks and their deliveries, and reading a signing secret. */
export const write: ReadonlyArray<Scope> = ["webhooks:write"]

/** Publishing an event. */
export const publish: ReadonlyArray<Scope> = ["events:publish"]

/** No scope: an endpoint served without an API key (the health check). */
export const none: ReadonlyArray<Scope> = []

/** The scopes an endpoint of the API declares, by its method and route template (`/v1/webhooks/:webhookId`). */
export type Lookup = (method: string, path: string) => ReadonlyArray<Scope> | undefined

const endpointKey = (method: string, path: string) => `${method} ${path}`

/** Whether the endpoint of a method and route template is for API keys only (`KeysOnly`). */
export type KeysOnlyLookup = (method: string, path: string) => boolean

/**
 * The scopes every endpoint of `api` declares, read once from its definition, and which are for API
 * keys only; the endpoints that declare no scopes are listed in `undeclared`.
 */
export const ofApi = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, E, R>(
  api: HttpApi.HttpApi<Id, Groups, E, R>
): { readonly lookup: Lookup; readonly keysOnly: KeysOnlyLookup; readonly undeclared: ReadonlyArray<string> } => {
  const declared = new Map<string, ReadonlyArray<Scope>>()
  const keysOnly = new Set<string>()
  const undeclared: Array<string> = []
  HttpApi.reflect(api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, mergedAnnotations }) => {
      const key = endpointKey(endpoint.method, endpoint.path)
      Option.match(Context.getOption(mergedAnnotations, Required), {
        onNone: () => undeclared.push(key),
        onSome: (scopes) => declared.set(key, scopes)
      })
      if (Option.getOrElse(Context.getOption(mergedAnnotations, KeysOnly), () => false)) keysOnly.add(key)
    }
  })
  return {
    lookup: (method, path) => declared.get(endpointKey(method, path)),
    keysOnly: (method, path) => keysOnly.has(endpointKey(method, path)),
    undeclared
  }
}

/** What the served API's endpoints declare: their scopes, and which are for API keys only. */
export interface DeclaredShape {
  readonly scopes: Lookup
  readonly keysOnly: KeysOnlyLookup
}

/** The scopes the served API's endpoints declare. */
export class Declared extends Context.Tag("@herald/http/Scopes/Declared")<Declared, DeclaredShape>() {}

/** The declared scopes of `api`; the server does not start when an endpoint declares none. */
export const layer = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, E, R>(
  api: HttpApi.HttpApi<Id, Groups, E, R>
): Layer.Layer<Declared> => {
  const { keysOnly, lookup, undeclared } = ofApi(api)
  return Layer.effect(
    Declared,
    undeclared.length === 0
      ? Effect.succeed({ scopes: lookup, keysOnly })
      : Effect.dieMessage(`These endpoints declare no scopes (Scopes.Required): ${undeclared.join(", ")}`)
  )
}

/** Whether a key with `scopes` may call an endpoint that needs one of `needed` (anyone, when it needs none). */
export const allows = (scopes: ReadonlyArray<Scope>, needed: ReadonlyArray<Scope>): boolean =>
  needed.length === 0 || needed.some((scope) => scopes.includes(scope))

/** A request refused for its key's scopes. */
export interface Refusal {
  /** The route, as `METHOD /path/{param}`. */
  readonly route: string
  /** The key needs one of these. */
  readonly required: ReadonlyArray<Scope>
  /** The key has these. */
  readonly granted: ReadonlyArray<Scope>
  /** Refused because the caller is a portal session and the endpoint is for API keys only (`KeysOnly`). */
  readonly session?: boolean | undefined
}

/** What a scope refusal says, in every profile. */
export const describe = (refusal: Refusal): string =>
  refusal.session === true
    ? `A portal session may not call ${refusal.route}: only an API key may, from your backend`
    : `This API key may not call ${refusal.route}: it needs the ${
    refusal.required.map((scope) => `\`${scope}\``).join(" or ")
  } scope, and has ${refusal.granted.length === 0 ? "none" : refusal.granted.map((scope) => `\`${scope}\``).join(", ")}`

/** How to fix a scope refusal, in every profile. */
export const mitigation = (refusal: Refusal): string =>
  refusal.session === true
    ? "Call it from your backend with an API key."
    : `Use an API key with the ${refusal.required[0]} scope.`
