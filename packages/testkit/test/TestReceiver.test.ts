/**
 * The receiver behaviours that the transport and end-to-end tests lean on,
 * driven with plain fetch (testkit must not depend on an adapter it tests).
 */
import { describe, expect, it } from "@effect/vitest"
import { TestReceiver } from "@herald/testkit"
import { Effect } from "effect"

const post = (url: string, options: { body?: string; headers?: Record<string, string> } = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, { method: "POST", body: options.body ?? "{}", headers: options.headers ?? {} })
    await response.arrayBuffer()
    return { status: response.status }
  })

const send = (url: string) => post(url)

describe("TestReceiver", () => {
  it.scopedLive("statuses: each request gets the next status, the last one repeats", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make({ respond: TestReceiver.statuses([500, 500, 200]) })
      const statuses = yield* Effect.forEach([1, 2, 3, 4, 5], () => send(receiver.url)).pipe(
        Effect.map((responses) => responses.map((response) => response.status))
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
      })
      expect(yield* receiver.requests).toHaveLength(2)
    }))

  it.scopedLive("records method, path, lower-cased headers, body, arrival time and connection", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make()
      const before = Date.now()
      yield* post(`${receiver.url}/a/b?c=d`, { headers: { "X-Mixed-Case": "v" }, body: "héllo" })
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
