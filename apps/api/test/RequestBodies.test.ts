/**
 * Request bodies over raw HTTP, in every profile:
 *
 * - a body whose fields are all optional may be left out (no body at all, as
 *   `curl -X POST` sends, or an empty one, with or without a Content-Type):
 *   the defaults apply, as in Stripe and Svix; where a field is required, the
 *   absent body is a 400 in the profile's shape;
 * - an unknown field is a 400 naming it on Datagrid's and Herald's native
 *   routes (as Stripe's "Received unknown parameter"), and ignored by the Exa
 *   and Diga profiles, whose APIs (seeds 003 and 004, FastAPI's default) do so.
 */
import { connect } from "node:net"
import { Headers, HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HeraldApi } from "@herald/http/Contract"
import * as BodyGuard from "@herald/http/edge/BodyGuard"
import * as Routes from "@herald/http/edge/Routes"
import { backends, KEY_ACME, type RunningApp, start } from "./support/Harness.js"

interface Answer {
  readonly status: number
  // A parsed JSON body, read field by field as the tests need.
  readonly body: ReturnType<typeof JSON.parse>
}

/**
 * A request written by hand: by default exactly what `curl -X POST` (no `-d`)
 * sends, no Content-Length, no Content-Type, no body; `raw` is sent after the headers as is.
 */
const bare = (baseUrl: string, method: string, path: string, headers: Record<string, string>, raw = ""): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(baseUrl)
    const socket = connect(Number(port), hostname, () => {
      const lines = [`${method} ${path} HTTP/1.1`, `host: ${hostname}:${port}`, "connection: close"]
      for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
      socket.write(`${lines.join("\r\n")}\r\n\r\n${raw}`)
    })
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("error", reject)
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8")
      const [head = "", ...rest] = text.split("\r\n\r\n")
      const status = Number(head.split(" ")[1])
      let payload = rest.join("\r\n\r\n")
      // Chunked: a single chunk is enough for these small answers.
      if (/transfer-encoding: chunked/i.test(head)) payload = payload.split("\r\n")[1] ?? ""
      resolve({ status, body: payload === "" ? undefined : JSON.parse(payload) })
    })
  })

describe.each(backends)("on %s", (backend) => {
  let app: RunningApp
  beforeAll(async () => {
    app = await start({ backend })
  })
  afterAll(() => app.close())

  const bearer = { authorization: `Bearer ${KEY_ACME}` }

  const call = async (
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {}
  ): Promise<Answer> => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { ...bearer, "content-type": "application/json", ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
    })
    const text = await response.text()
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
  }

  /**
   * The ways of sending no body: none at all (curl), an empty one typed as JSON,
   * an empty one untyped, and an empty chunked one (only the last chunk).
   */
  const withoutBody = (method: string, path: string, headers: Record<string, string> = bearer) => [
    () => bare(app.baseUrl, method, path, headers),
    () => bare(app.baseUrl, method, path, { ...headers, "transfer-encoding": "chunked" }, "0\r\n\r\n"),
    () => call(method, path, { headers }),
    () =>
      fetch(`${app.baseUrl}${path}`, { method, headers, body: "" }).then(async (response) => {
        const text = await response.text()
        return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
      })
  ]

  const createDatagrid = async () => {
    const created = await call("POST", "/v1/webhooks", {
      body: { url: "https://example.com/bodies", events: ["batch_prediction.completed"] }
    })
    expect(created.status).toBe(201)
    return created.body as { id: string; secret: string; updated_at: string; enabled: boolean }
  }

  const expectDatagrid400 = (answer: Answer) => {
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({ status_code: 400, error: "invalid_request", retryable: false })
    return answer.body.message as string
  }

  describe("a body whose fields are all optional may be left out", () => {
    it("rotate-secret: a new secret with the default overlap", async () => {
      const webhook = await createDatagrid()
      const secrets = new Set([webhook.secret])
      for (const send of withoutBody("POST", `/v1/webhooks/${webhook.id}/rotate-secret`)) {
        const rotated = await send()
        expect(rotated.status).toBe(200)
        expect(rotated.body).toMatchObject({ object: "webhook_secret", webhook_id: webhook.id })
        expect(secrets.has(rotated.body.secret)).toBe(false)
        secrets.add(rotated.body.secret)
        // The default overlap: the previous secret keeps signing for a day.
        expect(Date.parse(rotated.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(23 * 3_600_000)
      }
    })

    it("redeliver: every webhook the event was attempted for", async () => {
      const published = await call("POST", "/v1/events", {
        body: { event_type: "batch_prediction.failed", data: { n: 1 } }
      })
      expect(published.status).toBe(202)
      for (const send of withoutBody("POST", `/v1/events/${published.body.id}/redeliver`)) {
        const answer = await send()
        expect(answer.status).toBe(202)
        expect(answer.body).toMatchObject({ object: "requeued", deliveries: expect.any(Number) })
      }
    })

    it("PATCH in every profile: nothing changes", async () => {
      const webhook = await createDatagrid()
      for (const send of withoutBody("PATCH", `/v1/webhooks/${webhook.id}`)) {
        const answer = await send()
        expect(answer.status).toBe(200)
        expect(answer.body).toMatchObject({ id: webhook.id, url: "https://example.com/bodies", enabled: true })
      }

      const exa = await call("POST", "/websets/v0/webhooks", {
        body: { url: "https://example.com/exa-bodies", events: ["webset.created"] }
      })
      expect(exa.status).toBe(200)
      for (const send of withoutBody("PATCH", `/websets/v0/webhooks/${exa.body.id}`, { "x-api-key": KEY_ACME })) {
        const answer = await send()
        expect(answer.status).toBe(200)
        expect(answer.body).toMatchObject({ id: exa.body.id, url: "https://example.com/exa-bodies", events: ["webset.created"] })
      }

      const diga = await call("POST", "/v1/webhook/", {
        body: { url: "https://example.com/diga-bodies", subscribed_events: ["status_changed"] }
      })
      expect(diga.status).toBe(200)
      for (const send of withoutBody("PATCH", `/v1/webhook/${diga.body.id}`)) {
        const answer = await send()
        expect(answer.status).toBe(200)
        expect(answer.body).toMatchObject({ id: diga.body.id, url: "https://example.com/diga-bodies" })
      }
    })

    it("an explicit JSON null is still not a body, and is told so", async () => {
      const webhook = await createDatagrid()
      const answer = await fetch(`${app.baseUrl}/v1/webhooks/${webhook.id}/rotate-secret`, {
        method: "POST",
        headers: { ...bearer, "content-type": "application/json" },
        body: "null"
      })
      expect(answer.status).toBe(400)
      const body = (await answer.json()) as { details: { issues: unknown } }
      expect(body.details.issues).toEqual([
        { path: [], message: "The request body must be a JSON object, not null" }
      ])
    })
  })

  describe("a body with a required field may not", () => {
    it("is a 400 in each profile's shape, saying the body is missing", async () => {
      const webhook = await createDatagrid()
      for (
        const [path, fields] of [
          [`/v1/webhooks/${webhook.id}/recover`, "since"],
          ["/v1/webhooks", "url and events"],
          ["/v1/events", "event_type and data"]
        ]
      ) {
        for (const send of withoutBody("POST", path!)) {
          const answer = await send()
          expect(expectDatagrid400(answer)).toBe(`The request body is missing: it must be a JSON object with ${fields}`)
          expect(answer.body.details.issues[0].path).toEqual([])
        }
      }
      for (const send of withoutBody("POST", "/websets/v0/webhooks", { "x-api-key": KEY_ACME })) {
        const answer = await send()
        expect(answer.status).toBe(400)
        expect(answer.body).toMatchObject({ statusCode: 400, tag: "INVALID_REQUEST_BODY" })
        expect(answer.body.error).toBe("The request body is missing: it must be a JSON object with events and url")
      }
      for (const send of withoutBody("POST", "/v1/webhook/")) {
        const answer = await send()
        expect(answer.status).toBe(422)
        // FastAPI's answer to a missing body.
        expect(answer.body.detail).toEqual([{ loc: ["body"], msg: expect.stringMatching(/^The request body is missing/), type: "missing" }])
      }
    })

    it("a body that is JSON null was sent: it is told it must be an object, not that it is missing", async () => {
      const answer = await call("POST", "/v1/events", { body: null })
      expect(expectDatagrid400(answer)).toBe("The request body must be a JSON object with event_type and data, not null")
      const diga = await call("POST", "/v1/webhook/", { body: null })
      expect(diga.status).toBe(422)
      expect(diga.body.detail).toEqual([{ loc: ["body"], msg: expect.stringMatching(/must be a JSON object .*, not null$/), type: "type_error" }])
    })
  })

  describe("unknown fields", () => {
    it("PATCH /v1/webhooks/{id} {enable: false} is a 400 naming it, and changes nothing", async () => {
      const webhook = await createDatagrid()
      const answer = await call("PATCH", `/v1/webhooks/${webhook.id}`, { body: { enable: false } })
      expect(expectDatagrid400(answer)).toContain("enable")
      expect(answer.body.details.issues).toEqual([{ path: ["enable"], message: expect.any(String) }])
      const after = await call("GET", `/v1/webhooks/${webhook.id}`)
      expect(after.body).toMatchObject({ enabled: true, updated_at: webhook.updated_at })
    })

    it.each([
      ["create", "POST", "/v1/webhooks", { url: "https://example.com/x", events: ["batch_prediction.completed"], secret: "mine" }],
      ["publish", "POST", "/v1/events", { event_type: "batch_prediction.completed", data: {}, type: "x" }],
      ["rotate-secret", "POST", "/v1/webhooks/{id}/rotate-secret", { overlap: 60 }],
      ["recover", "POST", "/v1/webhooks/{id}/recover", { since: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" }],
      ["redeliver", "POST", "/v1/events/{event}/redeliver", { webhook: "wh_x" }]
    ])("%s: an unknown field is a 400 naming it", async (_name, method, template, body) => {
      const webhook = await createDatagrid()
      const event = await call("POST", "/v1/events", { body: { event_type: "batch_prediction.completed", data: {} } })
      const path = template.replace("{id}", webhook.id).replace("{event}", event.body.id)
      const unknown = Object.keys(body).at(-1)!
      const answer = await call(method, path, { body })
      expect(expectDatagrid400(answer)).toContain(`${unknown} is not a field this request takes`)
      expect(answer.body.details.issues).toEqual([{ path: [unknown], message: expect.any(String) }])
    })

    it("Exa and Diga ignore them, as their APIs do", async () => {
      const exa = await call("POST", "/websets/v0/webhooks", {
        headers: { "x-api-key": KEY_ACME },
        body: { url: "https://example.com/exa-extra", events: ["webset.created"], description: "ignored" }
      })
      expect(exa.status).toBe(200)
      expect(exa.body).not.toHaveProperty("description")
      const diga = await call("POST", "/v1/webhook/", {
        body: { url: "https://example.com/diga-extra", subscribed_events: ["status_changed"], name: "ignored" }
      })
      expect(diga.status).toBe(200)
      expect(diga.body).not.toHaveProperty("name")
    })
  })
})

describe("a body the guard reads as {}", () => {
  it("stays {} in a request made from it with other headers (request.modify)", async () => {
    const guard = BodyGuard.middleware(Routes.make(HeraldApi))
    const app = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      Effect.map(request.modify({ headers: Headers.set(request.headers, "x-later", "1") }).json, (json) => ({ json })))
    const request = HttpServerRequest.fromWeb(
      new Request("http://localhost/v1/webhooks/wh_01K000000000000000000000/rotate-secret", { method: "POST" })
    )
    // The app's own value, not a response: the guard passes it through.
    const run = guard(app as never) as unknown as Effect.Effect<{ json: unknown }, unknown>
    const answer = await Effect.runPromise(run.pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, request)))
    expect(answer).toEqual({ json: {} })
  })
})
