/**
 * Request ids and log annotations, through the real app: every response answers an
 * `X-Request-Id` (the client's when it is a plain token, else a new `req_` id), every log line a
 * request writes carries that id and, once its API key is known, its teamspace; a delivery's lines
 * carry its teamspace, webhook and event ids.
 */
import { TestReceiver } from "@herald/testkit"
import { Logger } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, type RunningApp, start } from "./support/Harness.js"

interface Line {
  readonly message: unknown
  readonly annotations: Readonly<Record<string, unknown>>
}

describe("request ids and log annotations", () => {
  let app: RunningApp
  const lines: Array<Line> = []
  beforeAll(async () => {
    app = await start({
      retrySchedule: [0],
      logger: Logger.map(Logger.jsonLogger, (line) => lines.push(JSON.parse(line) as Line))
    })
  })
  afterAll(() => app.close())

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${app.baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json", ...init.headers }
    })

  /** The lines logged with `requestId`, once the request log has written its line. */
  const linesOf = async (requestId: string) => {
    await expect.poll(() => lines.some((line) => line.annotations["requestId"] === requestId)).toBe(true)
    return lines.filter((line) => line.annotations["requestId"] === requestId)
  }

  it("answers a new id, or the one a client sent when it is a plain token", async () => {
    const fresh = await call("/v1/webhooks")
    expect(fresh.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{20}$/)
    const other = await call("/v1/webhooks")
    expect(other.headers.get("x-request-id")).not.toBe(fresh.headers.get("x-request-id"))
    const sent = await call("/v1/webhooks", { headers: { "x-request-id": "lb-1234.abcd:ef_GH" } })
    expect(sent.headers.get("x-request-id")).toBe("lb-1234.abcd:ef_GH")
    for (const bad of ["has space", "x".repeat(129), "quote\"", "new\u00e9"]) {
      const answered = await call("/v1/webhooks", { headers: { "x-request-id": encodeURI(bad) === bad ? bad : encodeURI(bad) } })
      expect(answered.headers.get("x-request-id"), bad).toMatch(/^req_[0-9a-f]{20}$/)
    }
    // A refusal before any handler (an unknown route, no key) has one too.
    const unknown = await fetch(`${app.baseUrl}/v1/nowhere`)
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{20}$/)
  })

  it("the lines of a refused request carry its id, and its teamspace once its key is known", async () => {
    const refused = await call("/v1/webhooks", { method: "POST", body: JSON.stringify({ url: 42 }) })
    expect(refused.status).toBe(400)
    const logged = await linesOf(refused.headers.get("x-request-id")!)
    expect(logged.map((line) => line.annotations["teamspace"])).toEqual(logged.map(() => "acme"))

    const anonymous = await fetch(`${app.baseUrl}/v1/webhooks`, { headers: { "x-request-id": "anonymous-1" } })
    expect(anonymous.status).toBe(401)
    const unknownKey = await linesOf("anonymous-1")
    expect(unknownKey.map((line) => line.annotations["teamspace"])).toEqual(unknownKey.map(() => undefined))
  })

  it("a delivery's lines carry its teamspace, webhook and event ids", async () => {
    const receiver = await TestReceiver.start({ respond: () => TestReceiver.reply(410) })
    try {
      const created = await call("/v1/webhooks", { method: "POST", body: JSON.stringify({ url: receiver.url, events: ["batch_prediction.completed"] }) })
      const webhook = await created.json() as { readonly id: string }
      const published = await call("/v1/events", {
        method: "POST",
        body: JSON.stringify({ event_type: "batch_prediction.completed", data: {} })
      })
      const event = await published.json() as { readonly id: string }
      await receiver.awaitRequests(1)
      await expect.poll(() => lines.some((line) => String(line.message).includes("webhook disabled"))).toBe(true)
      const disabled = lines.find((line) => String(line.message).includes("webhook disabled"))!
      expect(disabled.annotations).toMatchObject({ teamspace: "acme", webhookId: webhook.id, eventId: event.id })
    } finally {
      await receiver.close()
    }
  })
})
