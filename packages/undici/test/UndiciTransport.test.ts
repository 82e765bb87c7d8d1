import { describe, expect, it } from "@effect/vitest"
import { Transport, UrlPolicy } from "@herald/core"
import { TestReceiver } from "@herald/testkit"
import { UndiciTransport } from "@herald/undici"
import { Effect, Fiber, Layer } from "effect"

const signature = "t=1775847600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"

const headers = {
  "Content-Type": "application/json",
  "User-Agent": "Herald/test",
  "Datagrid-Signature": signature
}

const send = (url: string, request: Partial<Transport.DeliveryRequest> = {}) =>
  Effect.flatMap(Transport.Transport, (transport) =>
    transport.send({ url, headers, body: "{}", timeoutMs: 5_000, ...request }))

/** Loopback receivers need the permissive policy. */
const transport = (options: UndiciTransport.Options = {}) =>
  UndiciTransport.layer(options).pipe(Layer.provide(UrlPolicy.layer({ allowPrivate: true })))

describe("UndiciTransport", () => {
  describe("delivery", () => {
    it.scopedLive("POSTs the exact body and headers", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make()
        const body = JSON.stringify({ id: "evt_1", event_type: "order.created", data: { name: "Zoë ✓" } })
        const response = yield* send(`${receiver.url}/hooks/a?x=1`, { body }).pipe(Effect.provide(transport()))
        expect(response.status).toBe(200)
        expect(response.body).toBe("ok")

        const [received] = yield* receiver.awaitRequests(1)
        expect(received?.method).toBe("POST")
        expect(received?.path).toBe("/hooks/a?x=1")
        expect(received?.body).toBe(body)
        expect(received?.headers).toMatchObject({
          "content-type": "application/json",
          "user-agent": "Herald/test",
          "datagrid-signature": signature,
          "content-length": String(Buffer.byteLength(body))
        })
      }))

    it.scopedLive("returns 2xx, 4xx and 5xx statuses as responses, with headers and body", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make({
          respond: TestReceiver.sequence([
            TestReceiver.reply(201, { headers: { "x-reply": "yes", "set-cookie": ["a=1", "b=2"] }, body: "created" }),
            TestReceiver.reply(404, { body: "no such hook" }),
            TestReceiver.reply(503, { body: "try later" }),
            TestReceiver.gone,
            TestReceiver.tooManyRequests(120)
          ])
        })
        const responses = yield* Effect.forEach([1, 2, 3, 4, 5], () => send(receiver.url)).pipe(
          Effect.provide(transport())
        )
        expect(responses.map((response) => response.status)).toEqual([201, 404, 503, 410, 429])
        expect(responses.map((response) => response.body)).toEqual(["created", "no such hook", "try later", "gone", "slow down"])
        expect(responses[0]?.headers["x-reply"]).toBe("yes")
        expect(responses[0]?.headers["set-cookie"]).toBe("a=1, b=2")
        expect(responses[4]?.headers["retry-after"]).toBe("120")
      }))

    it.scopedLive("reuses keep-alive connections for sequential deliveries", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make()
        yield* Effect.gen(function*() {
          for (let i = 0; i < 50; i++) {
            const response = yield* send(receiver.url, { body: JSON.stringify({ i }) })
            expect(response.status).toBe(200)
          }
        }).pipe(Effect.provide(transport()))
        expect(yield* receiver.requests).toHaveLength(50)
        expect(yield* receiver.connections).toBeLessThanOrEqual(2)
      }))

    it.scopedLive("opens at most `connections` connections per origin under concurrency", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make({ respond: () => new Promise((resolve) => setTimeout(() => resolve(TestReceiver.reply(200)), 20)) })
        const responses = yield* Effect.forEach(Array.from({ length: 40 }, (_, i) => i), () => send(receiver.url), {
          concurrency: "unbounded"
        }).pipe(Effect.provide(transport({ connections: 4 })))
        expect(responses.every((response) => response.status === 200)).toBe(true)
        expect(yield* receiver.connections).toBeLessThanOrEqual(4)
        expect(yield* receiver.connections).toBeGreaterThan(1)
      }))

    it.scopedLive("does not follow redirects: a 302 is the response", () =>
      Effect.gen(function*() {
        const target = yield* TestReceiver.make()
        const receiver = yield* TestReceiver.make({ respond: TestReceiver.always(TestReceiver.redirect(`${target.url}/elsewhere`)) })
        const response = yield* send(receiver.url).pipe(Effect.provide(transport()))
        expect(response.status).toBe(302)
        expect(response.headers["location"]).toBe(`${target.url}/elsewhere`)
        expect(yield* receiver.requests).toHaveLength(1)
        expect(yield* target.requests).toHaveLength(0)
        expect(yield* target.connections).toBe(0)
      }))

    it.scopedLive("keeps at most maxResponseBodyBytes of a 10 MB response and does not read it all", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make({ respond: TestReceiver.always(TestReceiver.hugeBody(10 * 1024 * 1024)) })
        const response = yield* send(receiver.url).pipe(Effect.provide(transport()))
        expect(response.status).toBe(200)
        expect(Buffer.byteLength(response.body)).toBeLessThanOrEqual(Transport.maxResponseBodyBytes)
        expect(response.body).toBe("x".repeat(Transport.maxResponseBodyBytes))
      }))

    it.scopedLive("decodes a body cut inside a multi-byte character lossily", () =>
      Effect.gen(function*() {
        const body = "a".repeat(Transport.maxResponseBodyBytes - 1) + "é"
        const receiver = yield* TestReceiver.make({ respond: TestReceiver.always(TestReceiver.reply(500, { body })) })
        const response = yield* send(receiver.url).pipe(Effect.provide(transport()))
        expect(response.body).toBe("a".repeat(Transport.maxResponseBodyBytes - 1) + "\uFFFD")
      }))

    it.scopedLive("a response a little over the limit leaves its connection reusable", () =>
      Effect.gen(function*() {
        // The rest of the body is still on its way when the prefix is complete, so closing
        // instead of draining would cost a connection per delivery.
        const receiver = yield* TestReceiver.make({
          respond: TestReceiver.always(TestReceiver.slowBody({ chunks: ["y".repeat(5_000), "y", "y"], intervalMs: 10 }))
        })
        yield* Effect.gen(function*() {
          for (let i = 0; i < 5; i++) {
            const response = yield* send(receiver.url)
            expect(response.body).toBe("y".repeat(Transport.maxResponseBodyBytes))
            yield* Effect.sleep("100 millis")
          }
        }).pipe(Effect.provide(transport()))
        expect(yield* receiver.requests).toHaveLength(5)
        // Closing instead of draining would open one per delivery.
        expect(yield* receiver.connections).toBeLessThanOrEqual(2)
      }))
  })

  describe("failures", () => {
    it.scopedLive("a receiver that never answers is a timeout", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make({ respond: TestReceiver.always(TestReceiver.hang) })
        const error = yield* Effect.flip(send(receiver.url, { timeoutMs: 300 })).pipe(Effect.provide(transport()))
        expect(error.kind).toBe("timeout")
        expect(error.message).not.toContain(signature)
        expect(yield* receiver.requests).toHaveLength(1)
      }))

    it.scopedLive("a fractional timeoutMs is a budget like any other, not a defect", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make({ respond: TestReceiver.always(TestReceiver.hang) })
        const error = yield* Effect.flip(send(receiver.url, { timeoutMs: 150.5 })).pipe(Effect.provide(transport()))
        expect(error.kind).toBe("timeout")
      }))

    it.scopedLive("timeoutMs bounds the whole attempt, body included", () =>
      Effect.gen(function*() {
        // Each chunk arrives well within the budget, so only a total deadline can stop it.
        const receiver = yield* TestReceiver.make({
          respond: TestReceiver.always(TestReceiver.slowBody({ chunks: Array.from({ length: 20 }, () => "z"), intervalMs: 100 }))
        })
        const error = yield* Effect.flip(send(receiver.url, { timeoutMs: 500 })).pipe(Effect.provide(transport()))
        expect(error.kind).toBe("timeout")
      }))

    it.scopedLive("a slow body within the budget is read", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make({
          respond: TestReceiver.always(TestReceiver.slowBody({ chunks: ["a", "b", "c"], intervalMs: 20 }))
        })
        const response = yield* send(receiver.url, { timeoutMs: 5_000 }).pipe(Effect.provide(transport()))
        expect(response.body).toBe("abc")
      }))

    it.live("a request's connectTimeoutMs bounds opening the connection, as a timeout", () =>
      Effect.gen(function*() {
        // A resolver that never answers: the connection cannot open, however long the total budget.
        const stalled = transport({ lookup: () => new Promise(() => {}) })
        const error = yield* Effect.flip(
          send("http://receiver.test/hooks", { timeoutMs: 30_000, connectTimeoutMs: 200 })
        ).pipe(Effect.provide(stalled))
        expect(error.kind).toBe("timeout")
        expect(error.message).toBe("no connection within 200 ms")
      }))

    it.scopedLive("requests with different connect timeouts are both served", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make()
        const [a, b] = yield* Effect.all([
          send(receiver.url, { connectTimeoutMs: 1_000 }),
          send(receiver.url, { connectTimeoutMs: 2_000 })
        ]).pipe(Effect.provide(transport()))
        expect([a.status, b.status]).toEqual([200, 200])
      }))

    it.live("a closed port is a connection failure", () =>
      Effect.gen(function*() {
        const closed = yield* Effect.promise(() => TestReceiver.start())
        yield* Effect.promise(() => closed.close())
        const error = yield* Effect.flip(send(closed.url)).pipe(Effect.provide(transport()))
        expect(error.kind).toBe("connection")
        expect(error.message).toContain("ECONNREFUSED")
      }))

    it.scopedLive("a reset socket is a connection failure", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make({ respond: TestReceiver.always(TestReceiver.reset) })
        const error = yield* Effect.flip(send(receiver.url)).pipe(Effect.provide(transport()))
        expect(error.kind).toBe("connection")
        expect(error.message).not.toContain(signature)
      }))

    it.scopedLive("a TLS handshake with a plain-HTTP server is a tls failure", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make()
        const error = yield* Effect.flip(send(receiver.url.replace("http:", "https:"))).pipe(Effect.provide(transport()))
        expect(error.kind).toBe("tls")
        // OpenSSL's multi-line diagnostics are cut down for the attempt log.
        expect(error.message).not.toContain("\n")
      }))

    it.scopedLive("a request undici refuses is 'other', and its message never carries header values", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make()
        const error = yield* Effect.flip(
          send(receiver.url, { headers: { ...headers, "Transfer-Encoding": signature } })
        ).pipe(Effect.provide(transport()))
        expect(error.kind).toBe("other")
        expect(error.message).not.toContain(signature)
        expect(yield* receiver.requests).toHaveLength(0)
      }))

    it.live("an invalid or non-http url is 'other'", () =>
      Effect.gen(function*() {
        const invalid = yield* Effect.flip(send("not a url")).pipe(Effect.provide(transport()))
        const ftp = yield* Effect.flip(send("ftp://example.com/")).pipe(Effect.provide(transport()))
        expect([invalid.kind, ftp.kind]).toEqual(["other", "other"])
      }))

    it.scopedLive("interruption aborts the request and frees its connection", () =>
      Effect.gen(function*() {
        const receiver = yield* TestReceiver.make({
          respond: TestReceiver.sequence([TestReceiver.hang, TestReceiver.reply(200, { body: "second" })])
        })
        yield* Effect.gen(function*() {
          const hanging = yield* Effect.fork(send(receiver.url, { timeoutMs: 60_000 }))
          yield* receiver.awaitRequests(1)
          yield* Fiber.interrupt(hanging)
          // One connection per origin: the second request can only go out once the first is aborted.
          const response = yield* send(receiver.url, { timeoutMs: 5_000 })
          expect(response.body).toBe("second")
        }).pipe(Effect.provide(transport({ connections: 1 })))
        expect(yield* receiver.requests).toHaveLength(2)
      }))
  })
})
