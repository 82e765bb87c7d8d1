/**
 * Forwarding one delivery to the developer's local URL: the exact headers and
 * body Herald signed, POSTed as a receiver would get them, so that their
 * verification code runs unchanged; and what the local URL answered, as the
 * answer Herald logs for the attempt.
 */
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Effect } from "effect"
import type { Delivery } from "./ListenerStream.js"

/**
 * How long the local URL has to answer: under Herald's delivery timeout (15 s by default), so that
 * the answer arrives before the attempt is given up as timed out.
 */
export const LOCAL_TIMEOUT_MS = 10_000

/** The most of the local response's body reported (what the attempt log keeps). */
const MAX_BODY = 4096
/** The most response headers reported (what the API accepts). */
const MAX_HEADERS = 64

/** What the local URL did with a delivery: its response, or why it gave none; and how long it took. */
export type Outcome =
  | {
    readonly _tag: "Response"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
    readonly durationMs: number
  }
  | { readonly _tag: "Unreachable"; readonly error: string; readonly durationMs: number }

/** The innermost message of a failure (fetch's "fetch failed" wraps the socket's error). */
const reason = (error: unknown): string => {
  let current: unknown = error
  let message = String(error)
  for (let depth = 0; current instanceof Object && depth < 5; depth++) {
    if ("message" in current && typeof current.message === "string" && current.message !== "") message = current.message
    current = "cause" in current ? current.cause : undefined
  }
  return message
}

/** POSTs `delivery` to `forwardTo` and says what came back; never fails. Redirects are not followed, as Herald follows none. */
export const forward = (forwardTo: string, delivery: Delivery): Effect.Effect<Outcome, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    // No tracing headers (b3, traceparent): the local URL gets what a receiver would, nothing added.
    const client = HttpClient.withTracerPropagation(yield* HttpClient.HttpClient, false)
    const started = yield* Clock.currentTimeMillis
    const request = HttpClientRequest.post(forwardTo).pipe(
      HttpClientRequest.setHeaders(delivery.headers),
      HttpClientRequest.bodyText(delivery.body, delivery.headers["Content-Type"] ?? "application/json")
    )
    const answered = yield* client.execute(request).pipe(
      Effect.flatMap((response) =>
        Effect.map(Effect.orElseSucceed(response.text, () => ""), (body) => ({
          status: response.status,
          headers: Object.fromEntries(Object.entries(response.headers).slice(0, MAX_HEADERS)),
          body: body.slice(0, MAX_BODY)
        }))),
      Effect.scoped,
      Effect.timeoutFail({ duration: LOCAL_TIMEOUT_MS, onTimeout: () => new Error(`no answer within ${LOCAL_TIMEOUT_MS / 1000} s`) }),
      Effect.provideService(FetchHttpClient.RequestInit, { redirect: "manual" }),
      Effect.either
    )
    const durationMs = (yield* Clock.currentTimeMillis) - started
    return answered._tag === "Right"
      ? { _tag: "Response", ...answered.right, durationMs } as const
      : { _tag: "Unreachable", error: `${forwardTo}: ${reason(answered.left)}`, durationMs } as const
  })
