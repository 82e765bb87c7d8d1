/**
 * The listener's stream as the CLI parses it: server-sent events cut anywhere
 * (mid-line, mid-character) arrive as whole messages; unknown events and
 * keep-alive comments are skipped; a refused stream fails with Herald's body.
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { Chunk, Effect, Either, Layer, Stream } from "effect"
import { describe, expect, it } from "vitest"
import * as ListenerStream from "../src/listen/ListenerStream.js"

const delivery = {
  id: "0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210",
  webhook_id: "wh_01K0000000000000000000000",
  event_id: "evt_1",
  event_type: "batch_prediction.completed",
  attempt: 1,
  headers: { "Content-Type": "application/json", "Datagrid-Signature": "t=1,v1=abc" },
  body: JSON.stringify({ id: "evt_1", data: { note: "naïve ✓ 🚀" } })
}

const text = [
  `event: ready\ndata: {"listener_id":"lst_x"}\n\n`,
  `: keep-alive\n\n`,
  `event: from-the-future\ndata: {}\n\n`,
  `event: delivery\ndata: ${JSON.stringify(delivery)}\n\n`,
  `event: closed\ndata: {"reason":"Herald is stopping","reconnect":true}\n\n`
].join("")

/** A client answering the stream route with `status` and `body` cut into `size`-byte chunks. */
const serving = (status: number, body: Uint8Array, size: number) =>
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.sync(() => {
        const stream = new ReadableStream<Uint8Array>({
          start: (controller) => {
            for (let at = 0; at < body.length; at += size) controller.enqueue(body.slice(at, at + size))
            controller.close()
          }
        })
        return HttpClientResponse.fromWeb(request, new Response(stream, { status, headers: { "content-type": "text/event-stream" } }))
      })
    )
  )

const read = (status: number, body: string, size: number) =>
  Effect.runPromise(
    ListenerStream.connect({ url: "http://herald.test", apiKey: "hk_x" }, "lst_x").pipe(
      Stream.runCollect,
      Effect.map(Chunk.toReadonlyArray),
      Effect.either,
      Effect.provide(serving(status, new TextEncoder().encode(body), size))
    )
  )

describe("ListenerStream.connect", () => {
  it.each([1, 3, 7, 64, 100_000])("parses events cut into %i-byte chunks into whole messages", async (size) => {
    const messages = await read(200, text, size)
    expect(messages).toEqual(Either.right([
      { _tag: "Ready" },
      { _tag: "Delivery", delivery },
      { _tag: "Closed", reason: "Herald is stopping", reconnect: true }
    ]))
  })

  it("fails with Herald's error body when the stream is refused", async () => {
    const refused = await read(404, JSON.stringify({ status_code: 404, error: "not_found", message: "No listener" }), 1_000)
    expect(refused).toEqual(Either.left({ status_code: 404, error: "not_found", message: "No listener" }))
  })
})
