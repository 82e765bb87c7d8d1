/**
 * Bad input over raw HTTP: always a 4xx with the error body
 * `{status_code, error, message, retryable, details?}`, never a 5xx.
 */
import * as Datagrid from "@herald/http/profiles/datagrid/EventTypes"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, backends, type RunningApp, start } from "./support/Harness.js"

const DATAGRID_TYPES = Datagrid.eventTypes.join(", ")

describe.each(backends)("on %s", (backend) => {
  let app: RunningApp
  beforeAll(async () => {
    app = await start({ allowPrivateUrls: false, backend })
  })
  afterAll(() => app.close())

  const call = async (method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json", ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body })
    })
    const text = await response.text()
    return { status: response.status, contentType: response.headers.get("content-type"), body: text === "" ? undefined : JSON.parse(text) }
  }

  const expectErrorBody = (result: Awaited<ReturnType<typeof call>>, status: number, error: string) => {
    expect(result.status).toBe(status)
    expect(result.contentType).toContain("application/json")
    expect(result.body).toMatchObject({ status_code: status, error, retryable: false, message: expect.any(String) })
    expect(result.body.message.length).toBeGreaterThan(0)
  }

  const good = { url: "https://example.com/hook", events: ["batch_prediction.completed"] }

  describe("error responses", () => {
    it.each([
      ["missing url", { events: good.events }],
      ["missing events", { url: good.url }],
      ["events not an array", { ...good, events: "batch_prediction.completed" }],
      ["url not a string", { ...good, url: 42 }],
      ["empty events", { ...good, events: [] }],
      ["duplicated events", { ...good, events: ["batch_prediction.failed", "batch_prediction.failed"] }],
      ["unknown event type", { ...good, events: ["batch_prediction.exploded"] }],
      ["plain http url", { ...good, url: "http://example.com/hook" }],
      ["loopback url", { ...good, url: "https://127.0.0.1/hook" }],
      ["metadata service url", { ...good, url: "https://169.254.169.254/latest" }],
      ["a name resolving to a private address", { ...good, url: "https://hooks.private.test/hook" }],
      ["a name that does not resolve", { ...good, url: "https://hooks.nxdomain.test/hook" }],
      ["not a url", { ...good, url: "example dot com" }],
      ["a JSON array body", [good]],
      ["a JSON string body", "hello"]
    ])("create with %s is a 400 invalid_request", async (_name, body) => {
      const result = await call("POST", "/v1/webhooks", { body: JSON.stringify(body) })
      expectErrorBody(result, 400, "invalid_request")
    })

    it("names the offending field in details.issues", async () => {
      const result = await call("POST", "/v1/webhooks", {
        body: JSON.stringify({ ...good, events: ["batch_prediction.failed", "nope"] })
      })
      expect(result.body.details.issues).toEqual([{
        path: ["events", 1],
        message: `unknown event type "nope": accepted are ${DATAGRID_TYPES} (set by HERALD_EVENT_TYPES_DATAGRID, or the eventTypes setting; register more with POST /v1/event-types)`
      }])
    })

    it("malformed JSON is a 400", async () => {
      expectErrorBody(await call("POST", "/v1/webhooks", { body: "{\"url\": " }), 400, "invalid_request")
    })

    it("a bad limit or cursor is a 400", async () => {
      expectErrorBody(await call("GET", "/v1/webhooks?limit=0"), 400, "invalid_request")
      expectErrorBody(await call("GET", "/v1/webhooks?limit=abc"), 400, "invalid_request")
      expectErrorBody(await call("GET", "/v1/webhooks?limit=101"), 400, "invalid_request")
      expectErrorBody(await call("GET", "/v1/webhooks?cursor=not-a-cursor"), 400, "invalid_request")
    })

    it("missing or wrong credentials are a 401", async () => {
      expectErrorBody(await call("GET", "/v1/webhooks", { headers: { authorization: "" } }), 401, "unauthorized")
      expectErrorBody(await call("GET", "/v1/webhooks", { headers: { authorization: "Bearer nope" } }), 401, "unauthorized")
    })

    it("a teamspace header the key may not use is a 403", async () => {
      expectErrorBody(await call("GET", "/v1/webhooks", { headers: { "datagrid-teamspace": "globex" } }), 403, "forbidden")
      expect((await call("GET", "/v1/webhooks", { headers: { "datagrid-teamspace": "acme" } })).status).toBe(200)
    })

    it("unknown webhooks, malformed ids and unknown routes are a 404", async () => {
      expectErrorBody(await call("GET", "/v1/webhooks/wh_01JZZZZZZZZZZZZZZZZZZZZZZZ"), 404, "not_found")
      expectErrorBody(await call("GET", "/v1/webhooks/whatever"), 404, "not_found")
      expectErrorBody(await call("PATCH", "/v1/webhooks/whatever", { body: "{}" }), 404, "not_found")
      expectErrorBody(await call("GET", "/v1/nothing-here"), 404, "not_found")
    })

    it("an unknown event_type for the active list is a 400", async () => {
      expectErrorBody(await call("GET", "/v1/webhooks/active?event_type=nope"), 400, "invalid_request")
      expectErrorBody(await call("GET", "/v1/webhooks/active"), 400, "invalid_request")
    })

    it("publishing bad events is a 400, a conflicting id a 409", async () => {
      expectErrorBody(await call("POST", "/v1/events", { body: JSON.stringify({ event_type: "nope", data: {} }) }), 400, "invalid_request")
      expectErrorBody(await call("POST", "/v1/events", { body: JSON.stringify({ event_type: "batch_prediction.failed", data: [] }) }), 400, "invalid_request")
      expectErrorBody(await call("POST", "/v1/events", { body: JSON.stringify({ event_type: "batch_prediction.failed" }) }), 400, "invalid_request")
      expectErrorBody(
        await call("POST", "/v1/events", { body: JSON.stringify({ event_type: "batch_prediction.failed", data: {}, id: "bad id" }) }),
        400,
        "invalid_request"
      )
      const first = await call("POST", "/v1/events", { body: JSON.stringify({ event_type: "batch_prediction.failed", data: { a: 1 }, id: "evt_conflict" }) })
      expect(first.status).toBe(202)
      const again = await call("POST", "/v1/events", { body: JSON.stringify({ event_type: "batch_prediction.failed", data: { a: 1 }, id: "evt_conflict" }) })
      expect(again).toMatchObject({ status: 202, body: { id: "evt_conflict", duplicate: true, deliveries: 0 } })
      expectErrorBody(
        await call("POST", "/v1/events", { body: JSON.stringify({ event_type: "batch_prediction.failed", data: { a: 2 }, id: "evt_conflict" }) }),
        409,
        "conflict"
      )
    })

    it("the delivery log answers 404 for unknown webhooks and events, 400 for bad paging", async () => {
      expectErrorBody(await call("GET", "/v1/webhooks/whatever/attempts"), 404, "not_found")
      expectErrorBody(await call("GET", "/v1/webhooks/wh_01JZZZZZZZZZZZZZZZZZZZZZZZ/attempts"), 404, "not_found")
      expectErrorBody(await call("GET", "/v1/events/never-published"), 404, "not_found")
      expectErrorBody(await call("GET", "/v1/events/bad%20id"), 404, "not_found")
      const created = await call("POST", "/v1/webhooks", { body: JSON.stringify(good) })
      expect(created.status).toBe(201)
      const path = `/v1/webhooks/${created.body.id}/attempts`
      expect(await call("GET", path)).toMatchObject({ status: 200, body: { data: [], next_cursor: null } })
      expectErrorBody(await call("GET", `${path}?cursor=nope`), 400, "invalid_request")
      expectErrorBody(await call("GET", `${path}?limit=0`), 400, "invalid_request")
      expectErrorBody(await call("GET", `${path}?successful=maybe`), 400, "invalid_request")
    })

    it("the health check needs no key", async () => {
      const response = await fetch(`${app.baseUrl}/healthz`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ status: "ok" })
    })
  })
})
