/**
 * A listener's stream as the CLI reads it: the server-sent events of
 * `GET /v1/listeners/{id}/stream`, parsed with `eventsource-parser`, as a
 * stream of typed messages. One connection; `Listen` reconnects.
 */
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { createParser, type EventSourceMessage } from "eventsource-parser"
import { Data, Effect, Schema, Stream } from "effect"

/** One delivery as the stream sends it: what to POST to the local URL, and the ids to print and answer with. */
export const Delivery = Schema.Struct({
  id: Schema.String,
  webhook_id: Schema.String,
  event_id: Schema.String,
  event_type: Schema.String,
  attempt: Schema.Number,
  headers: Schema.Record({ key: Schema.String, value: Schema.String }),
  body: Schema.String
})
/** A delivery of the stream (see the `Delivery` schema). */
export type Delivery = typeof Delivery.Type

const Closed = Schema.Struct({ reason: Schema.String, reconnect: Schema.optional(Schema.Boolean) })

/** What the stream says: attached, a delivery, or closed (and whether to reconnect). */
export type Message =
  | { readonly _tag: "Ready" }
  | { readonly _tag: "Delivery"; readonly delivery: Delivery }
  | { readonly _tag: "Closed"; readonly reason: string; readonly reconnect: boolean }

const decodeDelivery = Schema.decodeUnknownSync(Schema.parseJson(Delivery))
const decodeClosed = Schema.decodeUnknownSync(Schema.parseJson(Closed))

/**
 * Herald said nothing for longer than its keep-alive allows (a comment every 15 s), or did not
 * answer the request in time: the connection is as good as gone, though no one closed it.
 */
export class Silent extends Data.TaggedError("Silent")<{ readonly seconds: number }> {
  override get message() {
    return `Herald sent nothing for ${this.seconds} s`
  }
}

/** Three keep-alives missed: a stream quiet this long is dead. */
const SILENCE_MS = 45_000
/** How long the stream's response may take to begin. */
const CONNECT_MS = 15_000

/**
 * The message an event is, or undefined for events this version does not know (a newer server's),
 * or cannot read: skipped rather than ending the command (an unanswered delivery is retried).
 */
const toMessage = (event: EventSourceMessage): Message | undefined => {
  try {
    return messageOf(event)
  } catch {
    return undefined
  }
}

const messageOf = (event: EventSourceMessage): Message | undefined => {
  switch (event.event) {
    case "ready":
      return { _tag: "Ready" }
    case "delivery":
      return { _tag: "Delivery", delivery: decodeDelivery(event.data) }
    case "closed": {
      const closed = decodeClosed(event.data)
      return { _tag: "Closed", reason: closed.reason, reconnect: closed.reconnect === true }
    }
    default:
      return undefined
  }
}

/**
 * The messages of listener `id`'s stream at Herald `url`, authenticated with `apiKey`. Fails with
 * the client's error when the request fails, or with the API's answer (a 404 when the listener is
 * gone) as an `HttpClientResponse` error, or with `Silent` when Herald stays quiet too long; ends
 * when the connection does.
 */
export const connect = (
  options: { readonly url: string; readonly apiKey: string },
  id: string
): Stream.Stream<Message, unknown, HttpClient.HttpClient> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(
      HttpClientRequest.get(`${options.url}/v1/listeners/${encodeURIComponent(id)}/stream`).pipe(
        HttpClientRequest.bearerToken(options.apiKey),
        HttpClientRequest.accept("text/event-stream")
      )
    ).pipe(Effect.timeoutFail({ duration: CONNECT_MS, onTimeout: () => new Silent({ seconds: CONNECT_MS / 1000 }) }))
    if (response.status !== 200) return yield* Effect.fail(yield* refusal(response))
    const decoder = new TextDecoder()
    // One parser per connection; its callback fills the batch of the chunk being fed.
    let batch: Array<Message> = []
    const parser = createParser({
      onEvent: (event) => {
        const message = toMessage(event)
        if (message !== undefined) batch.push(message)
      }
    })
    return response.stream.pipe(
      Stream.timeoutFail(() => new Silent({ seconds: SILENCE_MS / 1000 }), SILENCE_MS),
      Stream.mapConcat((chunk) => {
        batch = []
        parser.feed(decoder.decode(chunk, { stream: true }))
        return batch
      })
    )
  }))

/** The API's error body of a refused stream, decoded as JSON when it is JSON. */
const refusal = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.orElseSucceed(response.json, () => ({ status_code: response.status, message: `HTTP ${response.status}` }))
