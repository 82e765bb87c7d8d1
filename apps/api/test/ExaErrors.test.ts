/**
 * The Exa profile over raw HTTP: authentication by `x-api-key` (or a bearer
 * token), and bad input always a 4xx in Exa's error body
 * `{statusCode, error, tag, requestId, details?}`, never a 5xx nor another
 * profile's shape. The body's `requestId` is the response's `X-Request-Id`, the id its log lines
 * carry.
 */
import * as Exa from "@herald/http/profiles/exa/EventTypes"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, type RunningApp, start } from "./support/Harness.js"

const EXA_TYPES = Exa.eventTypes.join(", ")

let app: RunningApp
beforeAll(async () => {
  app = await start({ allowPrivateUrls: false })
})
afterAll(() => app.close())

const call = async (method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}) => {
  const response = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers: { "x-api-key": KEY_ACME, "content-type": "application/json", ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body })
  })
  const text = await response.text()
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    requestId: response.headers.get("x-request-id"),
    body: JSON.parse(text)
  }
}

const expectExaError = (result: Awaited<ReturnType<typeof call>>, status: number, tag: string) => {
  expect(result.status).toBe(status)
  expect(result.contentType).toContain("application/json")
  expect(result.body).toMatchObject({ statusCode: status, tag, error: expect.any(String), requestId: expect.stringMatching(/^req_/) })
  expect(result.body.requestId).toBe(result.requestId)
  expect(result.body.error.length).toBeGreaterThan(0)
  // Not Datagrid's shape.
  expect(result.body).not.toHaveProperty("status_code")
  expect(result.body).not.toHaveProperty("message")
}

const good = { url: "https://example.com/hook", events: ["webset.created"] }

describe("Exa profile over HTTP", () => {
  it("accepts the key as x-api-key or as a bearer token", async () => {
    expect((await call("GET", "/websets/v0/webhooks")).status).toBe(200)
    const bearer = await call("GET", "/websets/v0/webhooks", {
      headers: { "x-api-key": "", authorization: `Bearer ${KEY_ACME}` }
    })
    expect(bearer.status).toBe(200)
    expect(bearer.body).toEqual({ data: expect.any(Array), hasMore: false, nextCursor: null })
  })

  it("answers a missing or unknown key with 401", async () => {
    expectExaError(await call("GET", "/websets/v0/webhooks", { headers: { "x-api-key": "" } }), 401, "UNAUTHORIZED")
    const unknown = await call("GET", "/websets/v0/webhooks", { headers: { "x-api-key": "hk_nope_000000000000000" } })
    expectExaError(unknown, 401, "UNAUTHORIZED")
    expect(unknown.body.error).toBe("Invalid API key")
  })

  it.each([
    ["missing url", { events: good.events }],
    ["missing events", { url: good.url }],
    ["events not an array", { ...good, events: "webset.created" }],
    ["metadata values not strings", { ...good, metadata: { n: 1 } }],
    ["a JSON array body", [good]]
  ])("create with %s is a 400 INVALID_REQUEST_BODY naming the field", async (_name, body) => {
    const result = await call("POST", "/websets/v0/webhooks", { body: JSON.stringify(body) })
    expectExaError(result, 400, "INVALID_REQUEST_BODY")
    expect(result.body.details.issues.length).toBeGreaterThan(0)
  })

  it.each([
    ["empty events", { ...good, events: [] }],
    ["duplicated events", { ...good, events: ["webset.created", "webset.created"] }],
    ["an unknown event type", { ...good, events: ["webset.exploded"] }],
    ["a plain http url", { ...good, url: "http://example.com/hook" }],
    ["a private address", { ...good, url: "https://10.0.0.1/hook" }],
    ["a metadata value over 1000 characters", { ...good, metadata: { long: "x".repeat(1001) } }]
  ])("create with %s is a 400 INVALID_REQUEST", async (_name, body) => {
    expectExaError(await call("POST", "/websets/v0/webhooks", { body: JSON.stringify(body) }), 400, "INVALID_REQUEST")
  })

  it("names the offending field in details.issues", async () => {
    const result = await call("POST", "/websets/v0/webhooks", {
      body: JSON.stringify({ ...good, events: ["webset.created", "nope"] })
    })
    const message = `unknown event type "nope": accepted are ${EXA_TYPES} (set by HERALD_EVENT_TYPES_EXA, or the eventTypes setting; register more with POST /v1/event-types)`
    expect(result.body.details.issues).toEqual([{ path: ["events", 1], message }])
    expect(result.body.error).toBe(message)
  })

  it("reports each invalid field once", async () => {
    // `limit` is optional, i.e. a union with undefined: Effect reports both members.
    const result = await call("GET", "/websets/v0/webhooks?limit=5&limit=6")
    expectExaError(result, 400, "INVALID_REQUEST")
    expect(result.body.details.issues).toEqual([{
      path: ["limit"],
      message: "limit must be a whole number from 1 to 200, in decimal digits, not an array"
    }])
  })

  it("malformed JSON is a 400", async () => {
    expectExaError(await call("POST", "/websets/v0/webhooks", { body: "{\"url\": " }), 400, "INVALID_REQUEST_BODY")
  })

  it("bad paging and filters are a 400 INVALID_REQUEST", async () => {
    for (const query of ["limit=0", "limit=abc", "limit=201", "cursor=nope"]) {
      expectExaError(await call("GET", `/websets/v0/webhooks?${query}`), 400, "INVALID_REQUEST")
    }
    const created = await call("POST", "/websets/v0/webhooks", { body: JSON.stringify(good) })
    expect(created.status).toBe(200)
    for (const query of ["successful=maybe", "cursor=nope", "limit=0"]) {
      expectExaError(await call("GET", `/websets/v0/webhooks/${created.body.id}/attempts?${query}`), 400, "INVALID_REQUEST")
    }
    for (const query of ["cursor=nope", "createdAfter=yesterday", "types=Not%20A%20Type"]) {
      expectExaError(await call("GET", `/websets/v0/events?${query}`), 400, "INVALID_REQUEST")
    }
  })

  it("unknown webhooks and events, malformed ids and unknown routes are a 404", async () => {
    expectExaError(await call("GET", "/websets/v0/webhooks/wh_01JZZZZZZZZZZZZZZZZZZZZZZZ"), 404, "WEBHOOK_NOT_FOUND")
    expectExaError(await call("GET", "/websets/v0/webhooks/whatever"), 404, "WEBHOOK_NOT_FOUND")
    expectExaError(await call("PATCH", "/websets/v0/webhooks/whatever", { body: "{}" }), 404, "WEBHOOK_NOT_FOUND")
    expectExaError(await call("DELETE", "/websets/v0/webhooks/whatever"), 404, "WEBHOOK_NOT_FOUND")
    expectExaError(await call("GET", "/websets/v0/webhooks/whatever/attempts"), 404, "WEBHOOK_NOT_FOUND")
    expectExaError(await call("GET", "/websets/v0/events/evt_never"), 404, "EVENT_NOT_FOUND")
    expectExaError(await call("GET", "/websets/v0/nothing-here"), 404, "NOT_FOUND")
    expectExaError(await call("GET", "/websets/v0/websets"), 404, "NOT_FOUND")
  })

  it("takes a bare trailing ? and a JSON content type on GET, as exa-js sends them", async () => {
    const result = await call("GET", "/websets/v0/webhooks?")
    expect(result.status).toBe(200)
  })
})
