import { describe, expect, it } from "vitest"
import { describeError, retryAfterSeconds } from "../src/site/Errors.js"

describe("describeError", () => {
  it("reads Datagrid's and Herald's native bodies, with the fields their issues name", () => {
    const body = {
      status_code: 400,
      error: "invalid_request",
      message: "url must point to a public host (not a private address)",
      retryable: false,
      mitigation: "Fix the request as the message and details say, then send it again.",
      details: { issues: [{ path: ["url"], message: "url must point to a public host (not a private address)" }], issue_count: 1 }
    }
    expect(describeError(400, body)).toEqual({
      status: 400,
      message: "url must point to a public host (not a private address)",
      fields: { url: "url must point to a public host (not a private address)" }
    })
  })

  it("keeps the first issue of each field", () => {
    const body = {
      status_code: 400,
      error: "invalid_request",
      message: "two issues",
      retryable: false,
      details: { issues: [{ path: ["events", 2], message: "unknown event type" }, { path: ["events", 3], message: "again" }] }
    }
    expect(describeError(400, body).fields).toEqual({ events: "unknown event type" })
  })

  it("reads a Datagrid error without details", () => {
    expect(describeError(404, { status_code: 404, error: "not_found", message: "Webhook wh_1 not found", retryable: false }))
      .toEqual({ status: 404, message: "Webhook wh_1 not found", fields: {} })
  })

  it("reads Exa's bodies: error is the message", () => {
    const body = {
      statusCode: 400,
      error: "url must use https",
      tag: "INVALID_REQUEST_BODY",
      requestId: "req_1",
      details: { issues: [{ path: ["url"], message: "url must use https" }], issueCount: 1 }
    }
    expect(describeError(400, body)).toEqual({ status: 400, message: "url must use https", fields: { url: "url must use https" } })
  })

  it("reads Diga's 422, naming subscribed_events as events", () => {
    const body = {
      detail: [
        { loc: ["body", "url"], msg: "url must use https", type: "value_error" },
        { loc: ["body", "subscribed_events", 0], msg: "unknown event type", type: "value_error" }
      ]
    }
    expect(describeError(422, body)).toEqual({
      status: 422,
      message: "url: url must use https; events: unknown event type",
      fields: { url: "url must use https", events: "unknown event type" }
    })
  })

  it("reads Diga's other errors", () => {
    expect(describeError(403, { status: "error", error_code: "INSUFFICIENT_SCOPE", message: "This key cannot write" }))
      .toEqual({ status: 403, message: "This key cannot write", fields: {} })
  })

  it("says how long to wait on a 429", () => {
    expect(describeError(429, { message: "Rate limit exceeded" }, "12").message).toBe("Too many requests: wait 12 seconds, then try again.")
    expect(describeError(429, undefined, "1").message).toBe("Too many requests: wait 1 second, then try again.")
    expect(describeError(429, undefined, null).message).toBe("Too many requests: wait a moment, then try again.")
  })

  it("falls back to the status for a body it cannot read", () => {
    expect(describeError(502, "<html>Bad gateway</html>").message).toBe("The server answered with an error (HTTP 502). Try again in a moment.")
    expect(describeError(0, undefined).message).toMatch(/could not be reached/)
    expect(describeError(403, {}).message).toMatch(/does not allow/)
  })
})

describe("retryAfterSeconds", () => {
  it("reads seconds and HTTP dates", () => {
    expect(retryAfterSeconds("30")).toBe(30)
    const now = Date.parse("2026-12-05T00:00:00Z")
    expect(retryAfterSeconds("Sat, 05 Dec 2026 00:00:10 GMT", now)).toBe(10)
    expect(retryAfterSeconds("Fri, 04 Dec 2026 00:00:10 GMT", now)).toBe(0)
    expect(retryAfterSeconds("soon")).toBeUndefined()
    expect(retryAfterSeconds(null)).toBeUndefined()
  })
})
