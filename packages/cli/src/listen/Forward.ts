/**
 * Forwarding one delivery to the developer's local URL: the exact headers and
 * body Herald signed, POSTed as a receiver would get them (Node's own HTTP
 * client, which adds only Host, Content-Length and Connection, as Herald's
 * transport does; fetch would add Accept, Accept-Language, Sec-Fetch-Mode and
 * Accept-Encoding), so that their verification code runs unchanged; and what
 * the local URL answered, as the answer Herald logs for the attempt.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http"
import { request as httpsRequest } from "node:https"
import { Clock, Effect } from "effect"
import type { Delivery } from "./ListenerStream.js"

/**
 * How long the local URL has to answer: under Herald's delivery timeout (15 s by default), so that
 * the answer arrives before the attempt is given up as timed out.
 */
export const LOCAL_TIMEOUT_MS = 10_000

/** The most of the local response's body reported (what the attempt log keeps), in bytes. */
const MAX_BODY_BYTES = 4096
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

interface Answered {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

const flatten = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers)
      .filter((entry): entry is [string, string | Array<string>] => entry[1] !== undefined)
      .slice(0, MAX_HEADERS)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : value])
  )

/** One POST, its answer's body read up to `MAX_BODY_BYTES` (the rest drained); aborted by `signal`. */
const post = (url: URL, headers: Readonly<Record<string, string>>, body: string, signal: AbortSignal) =>
  new Promise<Answered>((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest
    const outgoing = send(url, { method: "POST", headers, signal }, (response) => {
      const chunks: Array<Buffer> = []
      let kept = 0
      response.on("data", (chunk: Buffer) => {
        if (kept < MAX_BODY_BYTES) {
          chunks.push(chunk)
          kept += chunk.length
        }
      })
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: flatten(response.headers),
          body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8")
        }))
      response.on("error", reject)
    })
    outgoing.on("error", reject)
    outgoing.end(body)
  })

/** The innermost message of a failure (an AggregateError holds one per address tried). */
const reason = (error: unknown): string => {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0])
  return error instanceof Error && error.message !== "" ? error.message : String(error)
}

/** POSTs `delivery` to `forwardTo` and says what came back; never fails. Redirects are not followed, as Herald follows none. */
export const forward = (forwardTo: string, delivery: Delivery): Effect.Effect<Outcome> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const answered = yield* Effect.tryPromise({
      try: (signal) => post(new URL(forwardTo), delivery.headers, delivery.body, signal),
      catch: reason
    }).pipe(
      Effect.timeoutFail({ duration: LOCAL_TIMEOUT_MS, onTimeout: () => `no answer within ${LOCAL_TIMEOUT_MS / 1000} s` }),
      Effect.either
    )
    const durationMs = (yield* Clock.currentTimeMillis) - started
    return answered._tag === "Right"
      ? { _tag: "Response", ...answered.right, durationMs } as const
      : { _tag: "Unreachable", error: `${forwardTo}: ${answered.left}`, durationMs } as const
  })
