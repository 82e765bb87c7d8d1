/**
 * The Promise client's rejections, over a `fetch` that answers as the test
 * says: each of Herald's error bodies arrives as its `HeraldError` subclass
 * (whether the route declares the status or not), and no answer, or one that
 * is not Herald's, as a `HeraldConnectionError` naming the request.
 */
import { describe, expect, it } from "vitest"
import {
  createClient,
  HeraldAuthenticationError,
  HeraldBadRequestError,
  HeraldConflictError,
  HeraldConnectionError,
  HeraldError,
  HeraldNotFoundError,
  HeraldPermissionError,
  HeraldRateLimitError
} from "../src/index.js"

const URL_ = "http://herald.test:8080"

/** A client whose every request gets `answer`, and the requests it sent. */
const answering = (answer: () => Response | Promise<Response>) => {
  const requests: Array<Request> = []
  const fetch: typeof globalThis.fetch = async (input, init) => {
    requests.push(new Request(input, init))
    return answer()
  }
  return { herald: createClient({ url: URL_, apiKey: "hk_test_key", fetch }), requests }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

const errorBody = (status: number, error: string, extra: Record<string, unknown> = {}) => ({
  status_code: status,
  error,
  message: `a ${error}`,
  retryable: false,
  ...extra
})

const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(() => expect.fail("expected a rejection"), (error: unknown) => error)

describe("createClient", () => {
  it("sends the contract's request, with the API key, and resolves with the decoded answer", async () => {
    const published = { object: "event", id: "evt_1", event_type: "order.paid", created_at: "2026-01-31T00:00:00.000Z", duplicate: false, deliveries: 2 }
    const { herald, requests } = answering(() => json(202, published))

    await expect(herald.events.publish({ event_type: "order.paid", data: { order: 1 } })).resolves.toEqual(published)
    expect(requests).toHaveLength(1)
    expect(requests[0]!.method).toBe("POST")
    expect(requests[0]!.url).toBe(`${URL_}/v1/events`)
    expect(requests[0]!.headers.get("authorization")).toBe("Bearer hk_test_key")
    await expect(requests[0]!.json()).resolves.toEqual({ event_type: "order.paid", data: { order: 1 } })
  })

  it("publishes a batch as `{ events }` and resolves with a result per event", async () => {
    const event = { object: "event", id: "evt_1", event_type: "order.paid", created_at: "2026-01-31T00:00:00.000Z", duplicate: false, deliveries: 1 }
    const answer = {
      object: "batch",
      results: [
        { status: "accepted", event },
        { status: "rejected", error: { status_code: 400, error: "invalid_request", message: "events[1].data is required", retryable: false } }
      ]
    }
    const { herald, requests } = answering(() => json(200, answer))

    await expect(herald.events.publishBatch([{ event_type: "order.paid", data: {} }, { event_type: "order.paid" } as never]))
      .resolves.toEqual(answer)
    expect(requests[0]!.url).toBe(`${URL_}/v1/events/batch`)
    await expect(requests[0]!.json()).resolves.toEqual({ events: [{ event_type: "order.paid", data: {} }, { event_type: "order.paid" }] })
  })

  it.each([
    [400, "invalid_request", HeraldBadRequestError],
    [401, "unauthorized", HeraldAuthenticationError],
    [403, "forbidden", HeraldPermissionError],
    [404, "not_found", HeraldNotFoundError],
    [409, "conflict", HeraldConflictError]
  ] as const)("rejects a %i with %s as its class, with the body's fields", async (status, code, kind) => {
    const body = errorBody(status, code, { mitigation: "do otherwise" })
    const { herald } = answering(() => json(status, body))

    const error = await rejection(herald.events.publish({ event_type: "order.paid", data: {} }))

    expect(error).toBeInstanceOf(kind)
    expect(error).toBeInstanceOf(HeraldError)
    expect(error).toMatchObject({ status, code, message: `a ${code}`, retryable: false, mitigation: "do otherwise", body })
  })

  it("rejects a rate limit's 429 as a retryable HeraldRateLimitError, with Retry-After and the request id", async () => {
    const body = { ...errorBody(429, "rate_limit_exceeded"), statusCode: 429, retryable: true, details: { reason: "600 a minute" } }
    const { herald } = answering(() => json(429, body, { "retry-after": "17", "x-request-id": "req_0123" }))

    const error = await rejection(herald.webhooks.list())

    expect(error).toBeInstanceOf(HeraldRateLimitError)
    expect(error).toMatchObject({
      status: 429,
      code: "rate_limit_exceeded",
      retryable: true,
      details: { reason: "600 a minute" },
      retryAfterSeconds: 17,
      requestId: "req_0123"
    })
  })

  it("rejects a status the route does not declare, in Herald's shape, as a HeraldError with its code", async () => {
    const body = errorBody(422, "idempotency_key_reused")
    const { herald } = answering(() => json(422, body, { "x-request-id": "req_0422" }))

    const error = await rejection(herald.webhooks.create({ url: "https://example.com/hook", events: ["order.paid"] }))

    expect(error).toBeInstanceOf(HeraldError)
    expect(error).not.toBeInstanceOf(HeraldBadRequestError)
    expect(error).toMatchObject({ status: 422, code: "idempotency_key_reused", body, requestId: "req_0422" })
  })

  it("rejects a body that is not Herald's (a proxy's page) as a HeraldConnectionError naming the request", async () => {
    const { herald } = answering(() => new Response("<html>Bad Gateway</html>", { status: 502 }))

    const error = await rejection(herald.webhooks.get("wh_1"))

    expect(error).toBeInstanceOf(HeraldConnectionError)
    expect(error).not.toBeInstanceOf(HeraldError)
    expect(error).toMatchObject({ status: 502, request: `GET ${URL_}/v1/webhooks/wh_1` })
    expect((error as Error).message).toContain(`GET ${URL_}/v1/webhooks/wh_1 answered 502`)
  })

  it("rejects a success the contract's schema refuses as a HeraldConnectionError naming the request", async () => {
    const { herald } = answering(() => json(200, { object: "webhook", id: 7 }))

    const error = await rejection(herald.webhooks.get("wh_1"))

    expect(error).toBeInstanceOf(HeraldConnectionError)
    expect((error as Error).message).toContain(`GET ${URL_}/v1/webhooks/wh_1 answered 200 with a body this client cannot read`)
  })

  it("rejects when nothing answers with a HeraldConnectionError naming the URL tried and why", async () => {
    const { herald } = answering(() => Promise.reject(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") })))

    const error = await rejection(herald.events.get("evt_1"))

    expect(error).toBeInstanceOf(HeraldConnectionError)
    expect(error).toMatchObject({ request: `GET ${URL_}/v1/events/evt_1`, status: undefined })
    expect((error as Error).message).toBe(
      `Could not reach Herald: GET ${URL_}/v1/events/evt_1 failed (fetch failed: connect ECONNREFUSED)`
    )
  })

  it("rejects input the contract cannot encode with a TypeError, sending nothing", async () => {
    const { herald, requests } = answering(() => json(202, {}))

    // A caller without types can send anything.
    const error = await rejection(herald.events.publish({ event_type: 7, data: {} } as never))

    expect(error).toBeInstanceOf(TypeError)
    expect(requests).toHaveLength(0)
  })
})

describe("createClient's options", () => {
  it("refuses a missing key or a URL that is not one, saying what to pass", () => {
    expect(() => createClient({ url: "http://127.0.0.1:8080", apiKey: undefined as unknown as string })).toThrow(
      /apiKey must be one of your teamspace's API keys/
    )
    expect(() => createClient({ url: "http://127.0.0.1:8080", apiKey: " " })).toThrow(TypeError)
    expect(() => createClient({ url: "127.0.0.1:8080", apiKey: "hk_x" })).toThrow(/url must be Herald's base URL/)
  })
})
