/**
 * Text that is not well-formed Unicode (a lone UTF-16 surrogate, which JSON can
 * spell as "\ud800") is refused where it enters, in the profile's error shape
 * and naming the path of the offending string. Stored, it poisoned a webhook on
 * Redis: the Lua scripts could not decode the record, so every later PATCH,
 * rotation and DELETE failed with a 500 while deliveries went on.
 *
 * Bodies are written by hand (`String.raw`): `JSON.stringify` of a lone
 * surrogate makes the same escape, but the point is the text on the wire.
 */
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { illFormedIn, scan } from "@herald/http/edge/BodyGuard"
import { backends, KEY_ACME, type RunningApp, start } from "./support/Harness.js"
import { WellFormedText } from "@herald/core"
import { subject } from "@herald/http/contract/InputIssues"

describe.each(backends)("invalid Unicode in requests (%s)", (backend) => {
  let app: RunningApp
  beforeAll(async () => {
    app = await start({ backend })
  })
  afterAll(() => app.close())

  const call = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY_ACME}`, "x-api-key": KEY_ACME, "content-type": "application/json" },
      ...(body === undefined ? {} : { body })
    })
    const text = await response.text()
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
  }

  const exaRefusal = (path: ReadonlyArray<string | number>) => ({
    statusCode: 400,
    error: expect.stringContaining("well-formed Unicode"),
    details: { issues: [{ path, message: expect.stringContaining("well-formed Unicode") }] }
  })
  /** The one formatter's sentence: the field as sent, then what it must be (or, for a key, what it has). */
  const datagridRefusal = (path: ReadonlyArray<string | number>, what = WellFormedText.message) => ({
    status_code: 400,
    error: "invalid_request",
    message: `${subject(path)} ${what}`,
    details: { issues: [{ path, message: `${subject(path)} ${what}` }] }
  })

  const exaWebhook = String.raw`{"url":"https://example.com/hook","events":["webset.created"]`

  it("a lone surrogate in Exa metadata is refused at create, naming the field", async () => {
    const created = await call("POST", "/websets/v0/webhooks", String.raw`${exaWebhook},"metadata":{"k":"a\ud800"}}`)
    expect(created.status).toBe(400)
    expect(created.body).toMatchObject(exaRefusal(["metadata", "k"]))
    expect(created.body.tag).toMatch(/^INVALID_REQUEST/)
  })

  it("a webhook stays manageable: a poisoning PATCH is refused and later PATCH, rotate and DELETE work", async () => {
    const created = await call("POST", "/websets/v0/webhooks", `${exaWebhook}}`)
    expect(created.status).toBe(200)
    const id = created.body.id as string
    for (const metadata of [String.raw`{"k":"a\udfff"}`, String.raw`{"k":"\udc00\ud800"}`]) {
      const poisoned = await call("PATCH", `/websets/v0/webhooks/${id}`, `{"metadata":${metadata}}`)
      expect(poisoned.status).toBe(400)
      expect(poisoned.body).toMatchObject(exaRefusal(["metadata", "k"]))
    }
    const patched = await call("PATCH", `/websets/v0/webhooks/${id}`, `{"metadata":{"k":"fine"}}`)
    expect(patched.status).toBe(200)
    expect(patched.body.metadata).toEqual({ k: "fine" })
    const rotated = await call("POST", `/v1/webhooks/${id}/rotate-secret`, "{}")
    expect(rotated.status).toBe(200)
    expect((await call("DELETE", `/websets/v0/webhooks/${id}`)).status).toBe(200)
    expect((await call("GET", `/websets/v0/webhooks/${id}`)).status).toBe(404)
  })

  it("a metadata key that is not well-formed is refused, without echoing it", async () => {
    const created = await call("POST", "/websets/v0/webhooks", String.raw`${exaWebhook},"metadata":{"\udc00x":"v"}}`)
    expect(created.status).toBe(400)
    expect(created.body).toMatchObject(exaRefusal(["metadata"]))
    expect(JSON.stringify(created.body)).not.toMatch(/\\udc00/i)
  })

  it("surrogate pairs, escaped or not, are text like any other", async () => {
    const created = await call("POST", "/websets/v0/webhooks", String.raw`${exaWebhook},"metadata":{"\ud83d\udca5":"a \ud83d\udca5 💥"}}`)
    expect(created.status).toBe(200)
    expect(created.body.metadata).toEqual({ "💥": "a 💥 💥" })
    const id = created.body.id as string
    expect((await call("PATCH", `/websets/v0/webhooks/${id}`, `{"metadata":{}}`)).status).toBe(200)
    expect((await call("DELETE", `/websets/v0/webhooks/${id}`)).status).toBe(200)
  })

  it("event data with a lone surrogate anywhere is refused at publish, naming its path", async () => {
    const nested = await call(
      "POST",
      "/v1/events",
      String.raw`{"event_type":"batch_prediction.completed","data":{"ok":"💥","a":[1,{"b":"x\udc00"}]}}`
    )
    expect(nested.status).toBe(400)
    expect(nested.body).toMatchObject(datagridRefusal(["data", "a", 1, "b"]))
    const key = await call("POST", "/v1/events", String.raw`{"event_type":"batch_prediction.completed","data":{"a":{"\ud800":1}}}`)
    expect(key.status).toBe(400)
    expect(key.body).toMatchObject(datagridRefusal(["data", "a"], WellFormedText.keyMessage))
    const listed = await call("GET", "/v1/events?limit=100")
    expect(listed.status).toBe(200)
    expect(JSON.stringify(listed.body)).not.toMatch(/\\ud[89a-f]/i)
  })

  it("a key of the body itself that is not well-formed is refused, naming the body", async () => {
    const root = await call("POST", "/v1/events", String.raw`{"event_type":"batch_prediction.completed","data":{},"\udc00":1}`)
    expect(root.status).toBe(400)
    expect(root.body).toMatchObject(datagridRefusal([], WellFormedText.keyMessage))
    expect(root.body.message).toMatch(/^The request body has a key that is not well-formed Unicode text/)
  })

  it("an emoji escaped as a surrogate pair (as Python's json.dumps writes it) is published as the emoji", async () => {
    const published = await call(
      "POST",
      "/v1/events",
      String.raw`{"event_type":"batch_prediction.completed","data":{"text":"smile \ud83d\ude00","\uD83D\uDE00":[1]}}`
    )
    expect(published.status).toBe(202)
    const event = await call("GET", `/v1/events/${published.body.id}`)
    expect(event.status).toBe(200)
    expect(event.body.data).toEqual({ text: "smile 😀", "😀": [1] })
  })

  it("an event type or id with a lone surrogate is refused too", async () => {
    const type = await call("POST", "/v1/events", String.raw`{"event_type":"batch_prediction.completed\ud800","data":{}}`)
    expect(type.status).toBe(400)
    expect(type.body).toMatchObject(datagridRefusal(["event_type"]))
    const id = await call("POST", "/v1/events", String.raw`{"id":"evt\udbff","event_type":"batch_prediction.completed","data":{}}`)
    expect(id.status).toBe(400)
    expect(id.body).toMatchObject(datagridRefusal(["id"]))
  })

  it("a URL with a lone surrogate is refused in Diga's shape", async () => {
    const created = await call("POST", "/v1/webhook/", String.raw`{"url":"https://example.com/\ud800","subscribed_events":["status_changed"]}`)
    expect(created.status).toBe(422)
    expect(created.body).toEqual({
      detail: [{ loc: ["body", "url"], msg: expect.stringContaining("well-formed Unicode"), type: "value_error" }]
    })
  })

  it.each([
    ["GET", "/v1/webhooks/%ED%A0%80"],
    ["DELETE", "/websets/v0/webhooks/%ED%A0%80"],
    ["PATCH", "/v1/webhook/%ED%A0%80"],
    ["GET", "/v1/events/%ED%B0%80"],
    ["GET", "/v1/webhooks?cursor=%ED%A0%80"],
    ["GET", "/websets/v0/events?cursor=%ED%A0%80"],
    ["GET", "/v1/webhook/?page=%ED%A0%80"]
  ])("%s %s (a percent-encoded surrogate, invalid UTF-8) is a 4xx", async (method, path) => {
    const result = await call(method, path, method === "PATCH" ? "{}" : undefined)
    expect(result.status).toBeGreaterThanOrEqual(400)
    expect(result.status).toBeLessThan(500)
  })
})

describe("BodyGuard's scan for lone surrogate escapes", () => {
  /** JSON as Python's `json.dumps` writes it (ensure_ascii): every character beyond ASCII as a `\uXXXX` escape. */
  const asciiJson = (value: unknown) =>
    JSON.stringify(value).replace(/[^ -~]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)

  it("a body whose only surrogate escapes are pairs is not parsed again, however deep", () => {
    let nested: unknown = { emoji: "\ud83d\ude00" }
    for (let i = 0; i < 90; i++) nested = [nested, { "\ud83d\udca5": "ok" }]
    const parse = vi.spyOn(JSON, "parse")
    try {
      expect(illFormedIn(asciiJson(nested))).toBeUndefined()
      expect(parse).not.toHaveBeenCalled()
      expect(illFormedIn(asciiJson({ a: ["ok", "x\udc00"] }))).toEqual({ path: ["a", 1], message: expect.any(String) })
      expect(parse).toHaveBeenCalledTimes(1)
    } finally {
      parse.mockRestore()
    }
  })

  it.each([
    [String.raw`{"a":"\ud83d\ude00"}`, false],
    [String.raw`{"a":"\uD83D\uDE00 and \uDBFF\uDFFF"}`, false],
    [String.raw`{"a":"\ud800"}`, true],
    [String.raw`{"a":"\ud800x"}`, true],
    [String.raw`{"a":"\ud800\n"}`, true],
    [String.raw`{"a":"\ud800\ud800\udc00"}`, true],
    [String.raw`{"a":"\udc00\ud800"}`, true],
    [String.raw`{"a":"x\udfff"}`, true],
    [String.raw`{"\udfff":1}`, true],
    // An escaped backslash: the text "\ud800" is six plain characters, then a lone low escape.
    [String.raw`{"a":"\\ud83d\udc00"}`, true],
    [String.raw`{"a":"\\ud800"}`, false],
    [String.raw`{"a":"\ud83d\\udc00"}`, true]
  ])("%s spells a lone surrogate: %s", (text, lone) => {
    expect(scan(text, 100)).toEqual({ tooDeep: false, loneSurrogate: lone })
    expect(WellFormedText.find(JSON.parse(text)) !== undefined).toBe(lone)
  })

  it("agrees with the parsed value, escaped as Python or as JavaScript writes it", () => {
    const unit = fc.oneof(
      fc.integer({ min: 0xd800, max: 0xdfff }),
      fc.constantFrom(0x22, 0x5c, 0x61, 0x5b, 0x7b, 0xe9)
    )
    const text = fc.array(unit, { maxLength: 8 }).map((units) => String.fromCharCode(...units))
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        text,
        fc.array(tie("node"), { maxLength: 3 }),
        fc.dictionary(text, tie("node"), { maxKeys: 3 })
      )
    })).node
    fc.assert(
      fc.property(value, (value) => {
        const lone = WellFormedText.find(value) !== undefined
        expect(scan(asciiJson(value), 100).loneSurrogate).toBe(lone)
        expect(scan(JSON.stringify(value), 100).loneSurrogate).toBe(lone)
      }),
      { seed: 20261203, numRuns: 2000 }
    )
  })
})
