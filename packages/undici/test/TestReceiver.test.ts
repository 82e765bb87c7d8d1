/**
 * The receiver behaviours the transport tests lean on, checked through the
 * transport itself (testkit's own test folder is maintained elsewhere).
 */
import { describe, expect, it } from "@effect/vitest"
import { Transport, UrlPolicy } from "@herald/core"
import { TestReceiver } from "@herald/testkit"
import { UndiciTransport } from "@herald/undici"
import { Effect, Layer } from "effect"

const send = (url: string, body = "{}") =>
  Effect.flatMap(Transport.Transport, (transport) => transport.send({ url, headers: {}, body, timeoutMs: 5_000 }))

const transport = UndiciTransport.layer().pipe(Layer.provide(UrlPolicy.layer({ allowPrivate: true })))

describe("TestReceiver", () => {
  it.scopedLive("statuses: each request gets the next status, the last one repeats", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make({ respond: TestReceiver.statuses([500, 500, 200]) })
      const statuses = yield* Effect.forEach([1, 2, 3, 4, 5], () => send(receiver.url)).pipe(
        Effect.map((responses) => responses.map((response) => response.status)),
        Effect.provide(transport)
      )
      expect(statuses).toEqual([500, 500, 200, 200, 200])
    }))

  it.scopedLive("clear forgets requests and restarts the sequence; respondWith changes the script", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make({ respond: TestReceiver.statuses([503, 200]) })
      yield* Effect.gen(function*() {
        expect((yield* send(receiver.url)).status).toBe(503)
        yield* receiver.clear
        expect(yield* receiver.requests).toEqual([])
        expect((yield* send(receiver.url)).status).toBe(503)
        yield* receiver.respondWith(TestReceiver.always(TestReceiver.reply(204)))
        expect((yield* send(receiver.url)).status).toBe(204)
      }).pipe(Effect.provide(transport))
      expect(yield* receiver.requests).toHaveLength(2)
    }))

  it.scopedLive("records method, path, lower-cased headers, body, arrival time and connection", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make()
      const before = Date.now()
      yield* Effect.flatMap(Transport.Transport, (transport) =>
        transport.send({ url: `${receiver.url}/a/b?c=d`, headers: { "X-Mixed-Case": "v" }, body: "héllo", timeoutMs: 5_000 })).pipe(
          Effect.provide(transport)
        )
      const [received] = yield* receiver.awaitRequests(1)
      expect(received).toMatchObject({ method: "POST", path: "/a/b?c=d", body: "héllo", connection: 1 })
      expect(received?.headers["x-mixed-case"]).toBe("v")
      expect(received?.receivedAt).toBeGreaterThanOrEqual(before)
    }))

  it.scopedLive("awaitRequests fails with a clear error after its timeout", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make()
      const error = yield* Effect.flip(receiver.awaitRequests(2, 100))
      expect(error._tag).toBe("ReceiverTimeout")
      expect(error.message).toBe("TestReceiver: expected 2 request(s) within 100 ms, received 0")
    }))

  it.live("start: the promise flavour, for async/await tests", () =>
    Effect.promise(async () => {
      const receiver = await TestReceiver.start({ respond: TestReceiver.always(TestReceiver.tooManyRequests(7)) })
      try {
        const waiting = receiver.awaitRequests(1)
        const response = await fetch(`${receiver.url}/hook`, { method: "POST", body: "payload" })
        expect(response.status).toBe(429)
        expect(response.headers.get("retry-after")).toBe("7")
        const [received] = await waiting
        expect(received?.body).toBe("payload")
        expect(receiver.connections()).toBe(1)
        await expect(receiver.awaitRequests(2, 50)).rejects.toThrow("expected 2 request(s) within 50 ms, received 1")
      } finally {
        await receiver.close()
      }
    }))

  it.live("close drops hanging connections", () =>
    Effect.promise(async () => {
      const receiver = await TestReceiver.start({ respond: TestReceiver.always(TestReceiver.hang) })
      const pending = fetch(receiver.url, { method: "POST", body: "x" }).then(
        () => "answered",
        () => "dropped"
      )
      await receiver.awaitRequests(1)
      await receiver.close()
      expect(await pending).toBe("dropped")
    }))
})
