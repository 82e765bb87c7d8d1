/**
 * Request limits in every profile's error shape: a body over the cap is a 413
 * (by its Content-Length, or while a chunked one is read), a body that is not
 * JSON by its Content-Type a 415 (never a request without a body, which the SDKs
 * send with `Content-Type: application/json` on GET and DELETE), event data over
 * its cap a 413 with nothing stored; and the variables that set them.
 */
import { request as httpRequest } from "node:http"
import { Config, ConfigProvider, Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HeraldApi } from "@herald/http/Contract"
import * as Protection from "@herald/http/edge/Protection"
import { Environment } from "@herald/runtime"
import { KEY_ACME, type RunningApp, start } from "./support/Harness.js"

const MAX_BODY = 4_096
const MAX_DATA = 1_024

interface Answer {
  readonly status: number
  readonly body: Record<string, unknown> | undefined
}

/** One request over node:http, so that headers (Transfer-Encoding above all) are exactly as given. */
const send = (
  app: RunningApp,
  options: {
    readonly method: string
    readonly path: string
    readonly headers: Record<string, string>
    readonly chunks?: ReadonlyArray<string>
  }
) =>
  new Promise<Answer>((resolve, reject) => {
    const url = new URL(options.path, app.baseUrl)
    const req = httpRequest(url, { method: options.method, headers: options.headers }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => (text += chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text === "" ? undefined : JSON.parse(text) }))
    })
    // The server may answer (413) and close before the whole body is written.
    req.on("error", (error: NodeJS.ErrnoException) => error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error))
    for (const chunk of options.chunks ?? []) req.write(chunk)
    req.end()
  })

const json = (app: RunningApp, method: string, path: string, body: string | undefined, headers: Record<string, string>) =>
  send(app, {
    method,
    path,
    headers: { ...headers, ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }) },
    ...(body === undefined ? {} : { chunks: [body] })
  })

const bearer = { authorization: `Bearer ${KEY_ACME}` }
const exaKey = { "x-api-key": KEY_ACME }
const JSON_TYPE = { "content-type": "application/json" }

/** A create body of about `bytes` bytes (a long URL), valid but for its size. */
const bigCreate = (bytes: number) =>
  JSON.stringify({ url: `https://example.com/${"a".repeat(bytes)}`, events: ["batch_prediction.completed"] })

describe("request limits", () => {
  let app: RunningApp
  beforeAll(async () => {
    app = await start({
      protection: { ...Protection.defaultsFor(HeraldApi), requestLimits: { maxBodyBytes: MAX_BODY } },
      eventLimits: { maxDataBytes: MAX_DATA }
    })
  })
  afterAll(() => app.close())

  it("a body over the limit is a 413 in each profile's shape", async () => {
    const datagrid = await json(app, "POST", "/v1/webhooks", bigCreate(MAX_BODY), { ...bearer, ...JSON_TYPE })
    expect(datagrid).toEqual({
      status: 413,
      body: {
        status_code: 413,
        error: "payload_too_large",
        message: `The request body is larger than ${MAX_BODY} bytes, the most this API accepts`,
        retryable: false,
        mitigation: "Send a smaller body."
      }
    })
    const exa = await json(app, "POST", "/websets/v0/webhooks", bigCreate(MAX_BODY), { ...exaKey, ...JSON_TYPE })
    expect(exa).toEqual({
      status: 413,
      body: {
        statusCode: 413,
        error: `The request body is larger than ${MAX_BODY} bytes, the most this API accepts`,
        tag: "PAYLOAD_TOO_LARGE",
        requestId: expect.stringMatching(/^req_/)
      }
    })
    const diga = await json(app, "POST", "/v1/webhook/", bigCreate(MAX_BODY), { ...bearer, ...JSON_TYPE })
    expect(diga).toEqual({
      status: 413,
      body: {
        status: "error",
        error_code: "PAYLOAD_TOO_LARGE",
        message: `The request body is larger than ${MAX_BODY} bytes, the most this API accepts`
      }
    })
  })

  it("a body at the limit is read; one byte more is refused, whatever it holds", async () => {
    const body = bigCreate(0)
    const padded = body + " ".repeat(MAX_BODY - Buffer.byteLength(body))
    expect((await json(app, "POST", "/v1/webhooks", padded, { ...bearer, ...JSON_TYPE })).status).toBe(201)
    expect((await json(app, "POST", "/v1/webhooks", padded + " ", { ...bearer, ...JSON_TYPE })).status).toBe(413)
    // Checked before authentication, like any malformed request.
    expect((await json(app, "POST", "/v1/webhooks", padded + " ", JSON_TYPE)).status).toBe(413)
  })

  it("a chunked body is cut off as it passes the limit: a 413, not a 400", async () => {
    const chunk = "x".repeat(1_000)
    const answer = await send(app, {
      method: "POST",
      path: "/v1/webhooks",
      headers: { ...bearer, ...JSON_TYPE, "transfer-encoding": "chunked" },
      chunks: [`{"url":"https://example.com/${chunk}`, chunk, chunk, chunk, chunk, `","events":[]}`]
    })
    expect(answer.status).toBe(413)
    expect(answer.body).toMatchObject({ error: "payload_too_large" })
    const small = await send(app, {
      method: "POST",
      path: "/v1/webhooks",
      headers: { ...bearer, ...JSON_TYPE, "transfer-encoding": "chunked" },
      chunks: ["{\"url\":\"https://example.com/chunked\",", "\"events\":[\"batch_prediction.failed\"]}"]
    })
    expect(small.status).toBe(201)
  })

  it("a body that is not JSON by its Content-Type is a 415 in each profile's shape", async () => {
    const text = { "content-type": "text/plain" }
    const form = { "content-type": "application/x-www-form-urlencoded" }
    const body = bigCreate(0)
    expect(await json(app, "POST", "/v1/webhooks", body, { ...bearer, ...text })).toEqual({
      status: 415,
      body: {
        status_code: 415,
        error: "unsupported_media_type",
        message: "The request body must be JSON (Content-Type: application/json), not \"text/plain\"",
        retryable: false,
        mitigation: "Send the body as JSON with `Content-Type: application/json`."
      }
    })
    expect(await json(app, "POST", "/v1/events", "event_type=x", { ...bearer, ...form })).toMatchObject({
      status: 415,
      body: { error: "unsupported_media_type" }
    })
    expect(await json(app, "POST", "/websets/v0/webhooks", body, { ...exaKey, ...text })).toMatchObject({
      status: 415,
      body: { statusCode: 415, tag: "UNSUPPORTED_MEDIA_TYPE" }
    })
    expect(await json(app, "PATCH", "/v1/webhook/0197c4a8-0000-7000-8000-000000000000", "{}", { ...bearer, ...text }))
      .toEqual({
        status: 415,
        body: {
          status: "error",
          error_code: "UNSUPPORTED_MEDIA_TYPE",
          message: "The request body must be JSON (Content-Type: application/json), not \"text/plain\""
        }
      })
  })

  it("JSON with parameters, or without a Content-Type, is read; a request without a body is never refused for its type", async () => {
    const body = bigCreate(0)
    const created = await json(app, "POST", "/v1/webhooks", body, { ...bearer, "content-type": "application/json; charset=utf-8" })
    expect(created.status).toBe(201)
    const id = created.body?.["id"] as string
    expect((await json(app, "POST", "/v1/webhooks", body, bearer)).status).toBe(201)

    // What the SDKs send: Content-Type: application/json on GET and DELETE with no body (exa-js with a bare `?`).
    expect((await json(app, "GET", "/websets/v0/webhooks?", undefined, { ...exaKey, ...JSON_TYPE })).status).toBe(200)
    expect((await json(app, "GET", `/v1/webhooks/${id}`, undefined, { ...bearer, ...JSON_TYPE })).status).toBe(200)
    // And any other type on a request without a body.
    expect((await json(app, "GET", "/v1/webhooks", undefined, { ...bearer, "content-type": "text/html" })).status).toBe(200)
    expect((await json(app, "POST", `/v1/webhooks/${id}/test`, undefined, { ...bearer, "content-type": "text/plain" })).status)
      .toBe(202)
    expect((await json(app, "POST", `/v1/webhooks/${id}/test`, "", { ...bearer, "content-type": "text/plain" })).status)
      .toBe(202)
    expect((await json(app, "DELETE", `/v1/webhooks/${id}`, undefined, { ...bearer, ...JSON_TYPE })).status).toBe(204)
  })

  it("event data over HERALD_MAX_EVENT_DATA_BYTES is a 413 and nothing is stored", async () => {
    const event = (bytes: number, id: string) => {
      const data = { blob: "" }
      data.blob = "d".repeat(bytes - Buffer.byteLength(JSON.stringify(data)))
      return JSON.stringify({ id, event_type: "batch_prediction.completed", data })
    }
    const fits = await json(app, "POST", "/v1/events", event(MAX_DATA, "evt_data_fits"), { ...bearer, ...JSON_TYPE })
    expect(fits.status).toBe(202)
    const over = await json(app, "POST", "/v1/events", event(MAX_DATA + 1, "evt_data_over"), { ...bearer, ...JSON_TYPE })
    expect(over).toEqual({
      status: 413,
      body: {
        status_code: 413,
        error: "payload_too_large",
        message: `The event data is ${MAX_DATA + 1} bytes as JSON, more than the ${MAX_DATA} an event may carry`,
        retryable: false,
        mitigation: "Publish less data, e.g. an id the receiver can fetch the rest with."
      }
    })
    expect((await json(app, "GET", "/v1/events/evt_data_over", undefined, bearer)).status).toBe(404)
    // Multi-byte characters count as the bytes they take.
    const wide = JSON.stringify({ event_type: "batch_prediction.completed", data: { s: "é".repeat(MAX_DATA / 2) } })
    expect((await json(app, "POST", "/v1/events", wide, { ...bearer, ...JSON_TYPE })).status).toBe(413)
  })
})

describe("HERALD_MAX_BODY_BYTES and HERALD_MAX_EVENT_DATA_BYTES", () => {
  const read = (env: Record<string, string>) =>
    Effect.runSync(
      Effect.either(
        Config.all({ body: Environment.protection, data: Environment.eventLimits }).pipe(
          Config.map(({ body, data }) => ({ body: body.requestLimits, data })),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
        )
      )
    )

  it("default to 1 MiB and 256 KiB", () => {
    expect(read({})).toEqual(Either.right({ body: { maxBodyBytes: 1_048_576 }, data: { maxDataBytes: 262_144 } }))
    expect(read({ HERALD_MAX_BODY_BYTES: "2097152", HERALD_MAX_EVENT_DATA_BYTES: "65536" })).toEqual(
      Either.right({ body: { maxBodyBytes: 2_097_152 }, data: { maxDataBytes: 65_536 } })
    )
  })

  it("a bad value stops the start with a message naming the variable", () => {
    for (const [name, value] of [
      ["HERALD_MAX_BODY_BYTES", "1 MiB"],
      ["HERALD_MAX_BODY_BYTES", "100"],
      ["HERALD_MAX_EVENT_DATA_BYTES", "0"],
      ["HERALD_MAX_EVENT_DATA_BYTES", "99999999999"]
    ] as const) {
      const result = read({ [name]: value })
      expect(Either.isLeft(result), `${name}=${value}`).toBe(true)
      expect(Either.isLeft(result) ? String(result.left) : "", `${name}=${value}`).toContain(name)
    }
  })
})
