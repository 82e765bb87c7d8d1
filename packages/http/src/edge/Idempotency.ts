/**
 * `Idempotency-Key` on every POST: a retry of a POST with the same key and the
 * same request replays the first response (status, content type, body, plus
 * `Idempotent-Replayed: true`) for 24 hours instead of running it again.
 *
 * - The key is 1-255 visible ASCII characters (else 400; two keys, which Node
 *   joins with ", ", are refused too). Other methods ignore it.
 * - Keys are per API key: the scope is the caller's teamspace, the hash of the
 *   key it presented and that key's scopes, so no tenant, no other key of the
 *   same tenant, and no key whose scopes changed since can replay a response
 *   (a replay skips the groups' scope checks). The key is checked here as the
 *   group's own authentication will check it; a request whose key does not
 *   authenticate is passed on untouched, to be refused there.
 * - The request is its method, URL (path and query as sent) and raw body: the
 *   same key with another request is a 422 naming the key (not a 409, which the
 *   datagrid-ai SDK would retry as it is), and a request while the first with
 *   that key is still running is a 409 (retrying it is right).
 * - Only successful (2xx) responses are stored. In Herald every 4xx is decided
 *   before anything changes (validation, authentication, not found, conflicts),
 *   so a 4xx, like a 5xx or a defect, releases the key: a retry runs afresh, and
 *   may fix the request under the same key. (Stripe, likewise, saves nothing
 *   when a request fails validation.)
 * - Stored bodies are encrypted like signing secrets when `HERALD_ENCRYPTION_KEY`
 *   is set (a create's response holds the new webhook's secret).
 * - An endpoint annotated `NotReplayed` (`contract/NotReplayed`) runs again on every retry: its response
 *   holds a credential that must not outlive it in the store (a portal
 *   session's token, which may expire long before a replay would).
 * - A reserved request runs uninterruptibly: a client that hangs up does not
 *   cut it short between its effect and storing its response, so its retry
 *   gets the replay.
 *
 * It is an API-level middleware inside `ErrorMapping`'s: it sees responses
 * before their errors are rendered, and its own refusals, raised as
 * `IdempotencyKeyError` defects, are rendered there in each profile's shape.
 */
import { createHash } from "node:crypto"
import { HttpApi, type HttpApp, HttpApiBuilder, type HttpBody, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { ApiKeys, IdempotencyStore, Metrics, SecretCipher } from "@herald/core"
import { Context, Data, Effect, Option, Redacted } from "effect"
import { NotReplayed } from "../contract/NotReplayed.js"
import * as HttpProfile from "../profiles/HttpProfile.js"
import type { FrameworkFailure } from "./FrameworkFailure.js"

/** The request header carrying the idempotency key (`Idempotency-Key`, lower-cased as Node gives it). */
export const HEADER = "idempotency-key"
/** Marks a replayed response, as Stripe does. */
export const REPLAYED_HEADER = "idempotent-replayed"

/** The response headers a replay repeats; per-request ones (rate limits, dates) are not kept. */
const KEPT_HEADERS = ["content-type", "location"] as const

const VALID_KEY = /^[\x21-\x7e]{1,255}$/

/** 1-255 visible ASCII characters: it goes into a store key as it is. */
export const isValidKey = (key: string): boolean => VALID_KEY.test(key)

/** The route templates (`METHOD /path/:param`, as `Routes.template` names them) of `api`'s endpoints annotated `NotReplayed`. */
export const notReplayedOf = (api: HttpApi.HttpApi.Any): ReadonlySet<string> => {
  const routes = new Set<string>()
  HttpApi.reflect(api as HttpApi.HttpApi.AnyWithProps, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, mergedAnnotations }) => {
      if (Option.getOrElse(Context.getOption(mergedAnnotations, NotReplayed), () => false)) {
        routes.add(`${endpoint.method} ${endpoint.path}`)
      }
    }
  })
  return routes
}

/** A refusal of the request for its `Idempotency-Key`; `ErrorMapping` renders it. */
export class IdempotencyKeyError extends Data.TaggedError("IdempotencyKeyError")<{
  readonly failure: FrameworkFailure
}> {}

/** How long responses and reservations are kept (`IdempotencyStore`'s defaults when absent), and what is never replayed. */
export interface Options {
  /** The routes never replayed (`notReplayedOf`), and the routes to name a request's (`Routes.template`). */
  readonly notReplayed?: { readonly routes: ReadonlySet<string>; readonly templateOf: (method: string, url: string) => string | undefined }
  /** How long a response is replayed; 24 hours by default. */
  readonly responseTtlMs?: number
  /** How long a request may hold its key before a retry may run again; 1 minute by default. */
  readonly reservationTtlMs?: number
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

const decoder = new TextDecoder()

/** The body as text, when it is one the store can hold. */
const bodyText = (body: HttpBody.HttpBody): string | undefined => {
  switch (body._tag) {
    case "Empty":
      return ""
    case "Uint8Array":
      return decoder.decode(body.body)
    case "Raw":
      return typeof body.body === "string" ? body.body : undefined
    default:
      return undefined
  }
}

/** What a replay of `response` needs, unless it must not be kept (not a 2xx, or a stream). */
const toStored = (
  response: HttpServerResponse.HttpServerResponse,
  encrypt: (body: string) => string
): IdempotencyStore.StoredResponse | undefined => {
  if (response.status < 200 || response.status >= 300) return undefined
  const body = bodyText(response.body)
  if (body === undefined) return undefined
  const headers: Record<string, string> = {}
  const contentType = response.headers["content-type"] ?? response.body.contentType
  if (contentType !== undefined && body !== "") headers["content-type"] = contentType
  for (const name of KEPT_HEADERS) {
    const value = response.headers[name]
    if (value !== undefined && name !== "content-type") headers[name] = value
  }
  return new IdempotencyStore.StoredResponse({ status: response.status, headers, body: encrypt(body) })
}

const replay = (
  stored: IdempotencyStore.StoredResponse,
  decrypt: (body: string) => string
): HttpServerResponse.HttpServerResponse => {
  const { "content-type": contentType, ...rest } = stored.headers
  const headers = { ...rest, [REPLAYED_HEADER]: "true" }
  const body = decrypt(stored.body)
  return contentType === undefined && body === ""
    ? HttpServerResponse.empty({ status: stored.status, headers })
    : HttpServerResponse.text(body, { status: stored.status, headers, contentType })
}

const refuse = (failure: FrameworkFailure) => Effect.die(new IdempotencyKeyError({ failure }))

/** The middleware, given the store, the API keys and the registered profiles (`Profiles.all`). */
export const make = (profiles: HttpProfile.Registry, options: Options = {}) =>
  Effect.gen(function*() {
    const store = yield* IdempotencyStore.IdempotencyStore
    const apiKeys = yield* ApiKeys.ApiKeys
    const cipher = yield* SecretCipher.SecretCipher
    const metrics = yield* Metrics.Enabled
    const responseTtlMs = options.responseTtlMs ?? IdempotencyStore.defaultResponseTtlMs
    const reservationTtlMs = options.reservationTtlMs ?? IdempotencyStore.defaultReservationTtlMs

    /** Runs the reserved request, then keeps its response or frees the key. */
    const run = <E, R>(app: HttpApp.Default<E, R>, scopeKey: string, token: string, fingerprint: string) =>
      app.pipe(
        Effect.tap((response) => {
          const stored = toStored(response, cipher.encrypt)
          return stored === undefined
            ? store.release(scopeKey, token)
            : store.complete(scopeKey, token, fingerprint, stored, responseTtlMs)
        }),
        Effect.onError(() => store.release(scopeKey, token)),
        Effect.uninterruptible
      )

    return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const key = request.method === "POST" ? request.headers[HEADER] : undefined
        if (key === undefined) return yield* app
        if (!isValidKey(key)) return yield* refuse({ _tag: "IdempotencyKeyInvalid" })
        const notReplayed = options.notReplayed
        if (notReplayed !== undefined && notReplayed.routes.has(`POST ${notReplayed.templateOf("POST", request.url)}`)) {
          return yield* app
        }

        const profile = HttpProfile.ofPath(profiles, request.url)
        const apiKey = yield* Effect.option(apiKeys.authenticate(Redacted.make(profile.apiKeyOf(request))))
        if (Option.isNone(apiKey)) return yield* app
        const { hash, scopes, teamspace } = apiKey.value
        // Authentication will refuse a teamspace the key may not use.
        const asked = profile.teamspaceAsked(request)
        if (asked !== undefined && asked !== "" && asked !== teamspace) {
          return yield* app
        }
        // Cached on the request: the handler reads the same text again.
        const body = yield* Effect.option(request.text)
        if (Option.isNone(body)) return yield* app

        const scopeKey = `${teamspace}:${hash}:${[...scopes].sort().join("+")}:${key}`
        const fingerprint = sha256(`${request.method}\n${request.url}\n${body.value}`)
        const begun = yield* store.begin(scopeKey, fingerprint, reservationTtlMs)
        switch (begun._tag) {
          case "Reserved":
            return yield* run(app, scopeKey, begun.token, fingerprint)
          case "Completed":
            if (metrics) Metrics.idempotentReplay()
            return replay(begun.response, cipher.decrypt)
          case "InProgress":
            return yield* refuse({ _tag: "IdempotencyKeyInProgress", key })
          case "Mismatch":
            return yield* refuse({ _tag: "IdempotencyKeyReused", key })
        }
      })
  })

/**
 * The middleware as a layer. Provide it after `ErrorMapping.layer` (so it is
 * built first and wraps the app inside ErrorMapping's middleware).
 */
export const layer = (profiles: HttpProfile.Registry, options?: Options) => HttpApiBuilder.middleware(make(profiles, options))
