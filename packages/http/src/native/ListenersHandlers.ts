/**
 * The handlers of `herald listen`'s routes (`ListenersApi`) over the core's
 * `Listeners`: open, stream as server-sent events, answer, close.
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Errors, Listeners, ListenerRelay } from "@herald/core"
import { Deferred, Effect, Stream } from "effect"
import { HeraldApi } from "../Contract.js"
import { Principal } from "../edge/Principal.js"
import * as Stopping from "../edge/Stopping.js"
import { badRequest, mapDomainErrors, notFound } from "../profiles/datagrid/Errors.js"
import {
  MAX_ANSWER_BODY_LENGTH,
  MAX_ANSWER_HEADER_LENGTH,
  MAX_ANSWER_HEADER_NAME_LENGTH,
  MAX_ANSWER_HEADERS
} from "./ListenersApi.js"

/** A comment this often keeps proxies and the CLI from taking a quiet stream for a dead one. */
const KEEP_ALIVE_MS = 15_000

const encoder = new TextEncoder()

/** One server-sent event. JSON never holds a raw newline, so `data` is one line. */
const event = (name: string, data: unknown) => encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`)

const keepAlive = encoder.encode(": keep-alive\n\n")

/** A delivery as the stream sends it, in the API's field names. */
const wireDelivery = (delivery: ListenerRelay.RelayedDelivery) => ({
  id: delivery.id,
  webhook_id: delivery.webhookId,
  event_id: delivery.eventId,
  event_type: delivery.eventType,
  attempt: delivery.attempt,
  headers: delivery.headers,
  body: delivery.body
})

/** Implements the `listeners` group; needs the core's `Listeners` (`Herald.servicesLayer`). */
export const layer = HttpApiBuilder.group(HeraldApi, "listeners", (handlers) =>
  Effect.gen(function*() {
    const listeners = yield* Listeners.Listeners
    return handlers
      .handle("open", ({ payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const opened = yield* listeners.open(teamspace, { profile: payload.profile, events: payload.events }).pipe(
            mapDomainErrors
          )
          return {
            object: "listener" as const,
            id: opened.listenerId,
            webhook_id: opened.webhook.id,
            profile: opened.webhook.profile,
            events: opened.webhook.events,
            secret: opened.secret,
            lease_seconds: ListenerRelay.LEASE_MS / 1000
          }
        }))
      .handleRaw("stream", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          yield* listeners.find(teamspace, path.listener_id).pipe(mapDomainErrors)
          // Read here: the body streams after the handler returned, outside the request's context.
          const stopping = yield* Stopping.Stopping
          // A stream opened as the server stops would hold the stop up: the CLI retries (elsewhere, or here restarted).
          if (yield* Deferred.isDone(stopping)) {
            return HttpServerResponse.unsafeJson({
              status_code: 503,
              error: "service_unavailable",
              message: "Herald is stopping: open the stream again in a moment",
              retryable: true
            }, { status: 503, headers: { connection: "close", "retry-after": "1" } })
          }
          const deliveries = Stream.unwrapScoped(
            Effect.map(listeners.stream(teamspace, path.listener_id), (queue) =>
              Stream.concat(
                Stream.fromQueue(queue).pipe(Stream.map((delivery) => event("delivery", wireDelivery(delivery)))),
                Stream.succeed(event("closed", { reason: "the listener's webhook was removed" }))
              ))
          ).pipe(
            // Gone between the check above and attaching: the stream says so and ends.
            Stream.catchAll(() => Stream.succeed(event("closed", { reason: "the listener was closed" })))
          )
          const body = Stream.merge(
            Stream.concat(Stream.succeed(event("ready", { listener_id: path.listener_id })), deliveries),
            Stream.tick(KEEP_ALIVE_MS).pipe(Stream.drop(1), Stream.as(keepAlive)),
            { haltStrategy: "left" }
          ).pipe(
            // Ends, saying so, when the server stops: the listener outlives this process by its lease,
            // and the CLI reconnects to another process, or to this one restarted.
            Stream.merge(
              Stream.fromEffect(Deferred.await(stopping)).pipe(Stream.as(event("closed", { reason: "Herald is stopping", reconnect: true }))),
              { haltStrategy: "either" }
            )
          )
          return HttpServerResponse.stream(body, {
            contentType: "text/event-stream",
            // Closed with the stream: a connection kept alive after it would hold a stopping server up.
            headers: { "cache-control": "no-store", "x-accel-buffering": "no", connection: "close" }
          })
        }))
      .handle("answer", ({ path, payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          yield* listeners.find(teamspace, path.listener_id).pipe(mapDomainErrors)
          const answer = yield* toAnswer(payload)
          yield* listeners.answer(teamspace, path.listener_id, payload.delivery_id, answer).pipe(
            Effect.catchTag("NoSuchDelivery", () =>
              Effect.fail(notFound(
                `No delivery ${Errors.echo(payload.delivery_id)} waits for an answer: it was answered already, or its attempt timed out (and is retried on schedule)`
              )))
          )
        }))
      .handle("close", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          yield* listeners.close(teamspace, path.listener_id).pipe(mapDomainErrors)
        }))
  }))

/** The answer the body reports: a response (kept within the attempt log's bounds) or a failure. */
const toAnswer = (payload: {
  readonly status?: number | undefined
  readonly headers?: { readonly [name: string]: string } | undefined
  readonly body?: string | undefined
  readonly error?: string | undefined
}) => {
  if ((payload.status === undefined) === (payload.error === undefined)) {
    return Effect.fail(badRequest("Send either status (the local URL's response) or error (why it gave none), not both or neither"))
  }
  if (payload.status === undefined) {
    return Effect.succeed<ListenerRelay.ListenerAnswer>({
      _tag: "Unreachable",
      message: firstBytes(payload.error ?? "", MAX_ANSWER_BODY_LENGTH)
    })
  }
  const headers = Object.entries(payload.headers ?? {})
  if (headers.length > MAX_ANSWER_HEADERS) {
    return Effect.fail(badRequest(`headers may have at most ${MAX_ANSWER_HEADERS} entries, not ${headers.length}`))
  }
  const longName = headers.find(([name]) => name.length > MAX_ANSWER_HEADER_NAME_LENGTH)
  if (longName !== undefined) {
    return Effect.fail(badRequest(`a header name may have at most ${MAX_ANSWER_HEADER_NAME_LENGTH} characters, not ${longName[0].length}`))
  }
  return Effect.succeed<ListenerRelay.ListenerAnswer>({
    _tag: "Response",
    response: {
      status: payload.status,
      headers: Object.fromEntries(headers.map(([name, value]) => [name.toLowerCase(), value.slice(0, MAX_ANSWER_HEADER_LENGTH)])),
      body: firstBytes(payload.body ?? "", MAX_ANSWER_BODY_LENGTH)
    }
  })
}

/** The longest start of `text` within `bytes` bytes of UTF-8, as the attempt log keeps a receiver's body. */
const firstBytes = (text: string, bytes: number): string => {
  if (text.length * 3 <= bytes) return text
  const encoded = Buffer.from(text, "utf8")
  // A character cut in half decodes to U+FFFD; dropped, as the transport's decoder does not keep it either.
  return encoded.length <= bytes ? text : encoded.subarray(0, bytes).toString("utf8").replace(/\uFFFD$/, "")
}
