/**
 * The Diga profile over raw HTTP, field by field against seed 003 and Diga's
 * API reference: uuid ids, `subscribed_events`, `created_date`, page-or-cursor
 * listing, FastAPI's 422 `{detail: [{loc, msg, type}]}`, Diga's 403/404
 * `{status, error_code, message}`; and deliveries signed with Standard Webhooks
 * headers, verified with @herald/verify and the `standardwebhooks` package.
 */
import { TestReceiver } from "@herald/testkit"
import { verifyStandardWebhook } from "@herald/verify"
import { Webhook as StandardWebhook } from "standardwebhooks"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { backends, KEY_ACME, KEY_GLOBEX, type RunningApp, start } from "./support/Harness.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

describe.each(backends)("on %s", (backend) => {
  let app: RunningApp
  const receivers: Array<TestReceiver.RunningReceiver> = []

  beforeAll(async () => {
    app = await start({ backend })
  })
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
  })
  afterAll(() => app.close())

  const call = async (
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; key?: string | null; headers?: Record<string, string> } = {}
  ) => {
    const key = options.key === undefined ? KEY_ACME : options.key
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: {
        "content-type": "application/json",
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...options.headers
      },
      ...(options.raw !== undefined
        ? { body: options.raw }
        : options.body === undefined
        ? {}
        : { body: JSON.stringify(options.body) })
    })
    expect(response.headers.get("content-type")).toContain("application/json")
    return { status: response.status, body: JSON.parse(await response.text()) }
  }
  type Result = Awaited<ReturnType<typeof call>>

  const create = async (key: string, url: string, events: ReadonlyArray<string> = ["status_changed"]) => {
    const result = await call("POST", "/v1/webhook/", { key, body: { url, subscribed_events: events } })
    expect(result.status).toBe(200)
    return result.body as { id: string; url: string; subscribed_events: Array<string>; created_date: string; secret: string }
  }

  /** A 422 body: exactly `{detail}`, each entry exactly `{loc, msg, type}`. */
  const expectValidationError = (result: Result, detail: ReadonlyArray<{ loc: Array<string | number>; type: string }>) => {
    expect(result.status).toBe(422)
    expect(Object.keys(result.body)).toEqual(["detail"])
    expect(result.body.detail).toEqual(detail.map((entry) => ({ ...entry, msg: expect.any(String) })))
    for (const entry of result.body.detail) {
      expect(Object.keys(entry).sort()).toEqual(["loc", "msg", "type"])
      expect(entry.msg.length).toBeGreaterThan(0)
    }
  }

  /** Diga's ErrorResponseSchema: exactly `{status: "error", error_code, message}`. */
  const expectErrorResponse = (result: Result, status: number, code: string) => {
    expect(result.status).toBe(status)
    expect(result.body).toEqual({ status: "error", error_code: code, message: expect.any(String) })
    expect(result.body.error_code).toMatch(/^[A-Z]+(_[A-Z]+)*$/)
  }

  const url = "https://example.com/webhooks/diga"

  describe("Diga webhooks", () => {
    it("creates: 200 with a uuid id, the request's fields, created_date and the secret", async () => {
      const result = await call("POST", "/v1/webhook/", { body: { url, subscribed_events: ["status_changed"] } })
      expect(result.status).toBe(200)
      expect(Object.keys(result.body)).toEqual(["id", "url", "subscribed_events", "created_date", "secret"])
      expect(result.body).toEqual({
        id: expect.stringMatching(UUID),
        url,
        subscribed_events: ["status_changed"],
        created_date: expect.stringMatching(ISO),
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/)
      })
      expect(Math.abs(Date.parse(result.body.created_date) - Date.now())).toBeLessThan(60_000)
    })

    it("gets by uuid (any case, with or without hyphens) without the secret, which has its own endpoint", async () => {
      const created = await create(KEY_ACME, url)
      const { secret, ...webhook } = created
      const fetched = await call("GET", `/v1/webhook/${created.id}`)
      expect(fetched).toEqual({ status: 200, body: webhook })
      expect(Object.keys(fetched.body)).toEqual(["id", "url", "subscribed_events", "created_date"])
      expect((await call("GET", `/v1/webhook/${created.id.toUpperCase()}`)).body).toEqual(webhook)
      expect((await call("GET", `/v1/webhook/${created.id.replace(/-/g, "")}`)).body).toEqual(webhook)

      expect(await call("GET", `/v1/webhook/${created.id}/secret`)).toEqual({ status: 200, body: { id: created.id, secret } })
    })

    it("patches with nullable fields: null or absent leaves a field as it is", async () => {
      const created = await create(KEY_ACME, url)
      const path = `/v1/webhook/${created.id}`
      const both = await call("PATCH", path, { body: { url: "https://example.com/second", subscribed_events: ["status_changed"] } })
      expect(both).toEqual({
        status: 200,
        body: { id: created.id, url: "https://example.com/second", subscribed_events: ["status_changed"], created_date: created.created_date }
      })
      const nulls = await call("PATCH", path, { body: { url: null, subscribed_events: null } })
      expect(nulls.body).toEqual(both.body)
      expect((await call("PATCH", path, { body: {} })).body).toEqual(both.body)
      const urlOnly = await call("PATCH", path, { body: { url: "https://example.com/third" } })
      expect(urlOnly.body).toMatchObject({ url: "https://example.com/third", subscribed_events: ["status_changed"] })
      expect((await call("GET", path)).body).toEqual(urlOnly.body)
    })

    it("deletes, returning the webhook; then it is a 404 everywhere", async () => {
      const { secret: _secret, ...created } = await create(KEY_ACME, url)
      const path = `/v1/webhook/${created.id}`
      expect(await call("DELETE", path)).toEqual({ status: 200, body: created })
      expectErrorResponse(await call("GET", path), 404, "WEBHOOK_NOT_FOUND")
      expectErrorResponse(await call("PATCH", path, { body: { url } }), 404, "WEBHOOK_NOT_FOUND")
      expectErrorResponse(await call("DELETE", path), 404, "WEBHOOK_NOT_FOUND")
      expectErrorResponse(await call("GET", `${path}/secret`), 404, "WEBHOOK_NOT_FOUND")
    })

    it("keeps teamspaces apart: another key's webhook is a 404", async () => {
      const theirs = await create(KEY_GLOBEX, url)
      for (const [method, suffix] of [["GET", ""], ["DELETE", ""], ["GET", "/secret"]] as const) {
        expectErrorResponse(await call(method, `/v1/webhook/${theirs.id}${suffix}`), 404, "WEBHOOK_NOT_FOUND")
      }
      expectErrorResponse(await call("PATCH", `/v1/webhook/${theirs.id}`, { body: { url } }), 404, "WEBHOOK_NOT_FOUND")
      expect((await call("GET", `/v1/webhook/${theirs.id}`, { key: KEY_GLOBEX })).status).toBe(200)
      await call("DELETE", `/v1/webhook/${theirs.id}`, { key: KEY_GLOBEX })
    })
  })

  describe("listing", () => {
    // globex's own webhooks: five, made here, listed by page and by cursor.
    let made: Array<string> = []
    beforeAll(async () => {
      made = []
      for (let i = 0; i < 5; i++) made.push((await create(KEY_GLOBEX, `${url}/${i}`)).id)
    })
    const list = (query: string) => call("GET", `/v1/webhook/${query}`, { key: KEY_GLOBEX })
    const ids = (result: Result) => (result.body.data as Array<{ id: string }>).map((webhook) => webhook.id)
    const newestFirst = () => [...made].reverse()

    it("lists newest first by default, 20 a page, as page 1 of 1", async () => {
      const result = await list("")
      expect(result.status).toBe(200)
      expect(Object.keys(result.body)).toEqual(["data", "has_more", "first_id", "last_id", "current_page", "total_pages"])
      expect(result.body).toEqual({
        data: expect.any(Array),
        has_more: false,
        first_id: made[4],
        last_id: made[0],
        current_page: 1,
        total_pages: 1
      })
      expect(ids(result)).toEqual(newestFirst())
      expect(Object.keys(result.body.data[0])).toEqual(["id", "url", "subscribed_events", "created_date"])
      // The path without the trailing slash is the same endpoint.
      expect((await call("GET", "/v1/webhook", { key: KEY_GLOBEX })).body).toEqual(result.body)
    })

    it("pages by number with current_page and total_pages", async () => {
      const page1 = await list("?limit=2")
      expect(ids(page1)).toEqual(newestFirst().slice(0, 2))
      expect(page1.body).toMatchObject({ has_more: true, current_page: 1, total_pages: 3 })
      const page2 = await list("?limit=2&page=2")
      expect(ids(page2)).toEqual(newestFirst().slice(2, 4))
      expect(page2.body).toMatchObject({ has_more: true, current_page: 2, total_pages: 3, first_id: made[2], last_id: made[1] })
      const page3 = await list("?limit=2&page=3")
      expect(ids(page3)).toEqual([made[0]])
      expect(page3.body).toMatchObject({ has_more: false, current_page: 3, total_pages: 3 })
      const beyond = await list("?limit=2&page=9")
      expect(beyond.body).toEqual({ data: [], has_more: false, first_id: null, last_id: null, current_page: 9, total_pages: 3 })
      const ascending = await list("?limit=2&page=2&order=asc")
      expect(ids(ascending)).toEqual(made.slice(2, 4))
    })

    it("pages by cursor: after the last id, before the first id, in either order", async () => {
      const first = await list("?limit=2")
      const next = await list(`?limit=2&after=${first.body.last_id}`)
      expect(ids(next)).toEqual(newestFirst().slice(2, 4))
      expect(next.body).toMatchObject({ has_more: true, current_page: null, total_pages: null })
      const last = await list(`?limit=2&after=${next.body.last_id}`)
      expect(ids(last)).toEqual([made[0]])
      expect(last.body.has_more).toBe(false)
      const back = await list(`?limit=2&before=${last.body.first_id}`)
      expect(ids(back)).toEqual(ids(next))
      expect(back.body.has_more).toBe(true)
      const start = await list(`?limit=2&before=${back.body.first_id}`)
      expect(ids(start)).toEqual(ids(first))
      expect(start.body.has_more).toBe(false)

      const asc = await list(`?order=asc&limit=2&after=${made[1]}`)
      expect(ids(asc)).toEqual(made.slice(2, 4))
      const ascBack = await list(`?order=asc&limit=2&before=${made[3]}`)
      expect(ids(ascBack)).toEqual(made.slice(1, 3))
      const between = await list(`?order=asc&after=${made[0]}&before=${made[4]}`)
      expect(ids(between)).toEqual(made.slice(1, 4))
      expect(between.body.has_more).toBe(false)
    })

    it("answers bad query parameters with 422 and their location", async () => {
      for (const query of ["limit=0", "limit=101", "limit=abc"]) {
        expectValidationError(await list(`?${query}`), [{ loc: ["query", "limit"], type: "value_error" }])
      }
      expectValidationError(await list("?page=0"), [{ loc: ["query", "page"], type: "value_error" }])
      expectValidationError(await list("?order=sideways"), [{ loc: ["query", "order"], type: "type_error" }])
      expectValidationError(await list("?after=nope"), [{ loc: ["query", "after"], type: "uuid_parsing" }])
      expectValidationError(await list("?before=nope&after=nope"), [
        { loc: ["query", "after"], type: "uuid_parsing" },
        { loc: ["query", "before"], type: "uuid_parsing" }
      ])
      expectValidationError(await list(`?page=2&after=${made[0]}`), [{ loc: ["query", "page"], type: "value_error" }])
    })
  })

  describe("errors", () => {
    it("answers a missing or unknown key with Diga's 403", async () => {
      expectErrorResponse(await call("GET", "/v1/webhook/", { key: null }), 403, "NOT_AUTHENTICATED")
      const unknown = await call("POST", "/v1/webhook/", { key: "hk_nope_000000000000000", body: { url, subscribed_events: [] } })
      expectErrorResponse(unknown, 403, "INVALID_API_KEY")
    })

    it.each([
      ["no url", { subscribed_events: ["status_changed"] }, [{ loc: ["body", "url"], type: "missing" }]],
      ["no subscribed_events", { url }, [{ loc: ["body", "subscribed_events"], type: "missing" }]],
      ["neither", {}, [{ loc: ["body", "url"], type: "missing" }, { loc: ["body", "subscribed_events"], type: "missing" }]],
      ["an empty url", { url: "", subscribed_events: ["status_changed"] }, [{ loc: ["body", "url"], type: "value_error" }]],
      ["a url that is not a string", { url: 7, subscribed_events: ["status_changed"] }, [{ loc: ["body", "url"], type: "type_error" }]],
      ["events not a list", { url, subscribed_events: "status_changed" }, [{ loc: ["body", "subscribed_events"], type: "type_error" }]],
      ["an unknown event", { url, subscribed_events: ["status_changed", "nope"] }, [{ loc: ["body", "subscribed_events", 1], type: "value_error" }]],
      ["no events", { url, subscribed_events: [] }, [{ loc: ["body", "subscribed_events"], type: "value_error" }]],
      ["a url that is not absolute", { url: "example dot com", subscribed_events: ["status_changed"] }, [{ loc: ["body", "url"], type: "value_error" }]],
      ["a JSON array body", [{ url }], [{ loc: ["body"], type: "type_error" }]]
    ])("create with %s is a 422", async (_name, body, detail) => {
      expectValidationError(await call("POST", "/v1/webhook/", { body }), detail)
    })

    it("says what is wrong in msg", async () => {
      const missing = await call("POST", "/v1/webhook/", { body: { subscribed_events: ["status_changed"] } })
      expect(missing.body.detail[0].msg).toBe("url is required: a non-empty string")
      const unknown = await call("POST", "/v1/webhook/", { body: { url, subscribed_events: ["nope"] } })
      expect(unknown.body.detail[0].msg).toBe("unknown event type \"nope\": accepted are status_changed (set by HERALD_EVENT_TYPES_DIGA, or the eventTypes setting; register more with POST /v1/event-types)")
    })

    it("answers malformed JSON with a 422 json_invalid", async () => {
      expectValidationError(await call("POST", "/v1/webhook/", { raw: "{\"url\": " }), [{ loc: ["body"], type: "json_invalid" }])
    })

    it("answers a path id that is not a uuid with a 422, an unknown one with a 404", async () => {
      for (const [method, suffix] of [["GET", ""], ["DELETE", ""], ["GET", "/secret"]] as const) {
        expectValidationError(await call(method, `/v1/webhook/not-a-uuid${suffix}`), [{ loc: ["path", "id"], type: "uuid_parsing" }])
      }
      expectValidationError(await call("PATCH", "/v1/webhook/not-a-uuid", { body: {} }), [{ loc: ["path", "id"], type: "uuid_parsing" }])
      expectErrorResponse(await call("GET", "/v1/webhook/3c90c3cc-0d44-4b50-8888-8dd25736052a"), 404, "WEBHOOK_NOT_FOUND")
      const patch = await call("PATCH", "/v1/webhook/3c90c3cc-0d44-4b50-8888-8dd25736052a", { body: { url: 5 } })
      expectValidationError(patch, [{ loc: ["body", "url"], type: "type_error" }])
    })

    it("answers unknown routes under /v1/webhook/ in Diga's shape, and a wrong method with a 405", async () => {
      expectErrorResponse(await call("GET", "/v1/webhook/3c90c3cc-0d44-4b50-8888-8dd25736052a/nothing"), 404, "NOT_FOUND")
      expectErrorResponse(await call("PUT", "/v1/webhook/"), 405, "METHOD_NOT_ALLOWED")
    })
  })

  describe("deliveries", () => {
    it("signs Diga's envelope with Standard Webhooks headers", async () => {
      const target = await receiver()
      const created = await create(KEY_ACME, `${target.url}/diga`)
      const data = { call_id: "c_123", status: "completed", note: "ünïcødé ✓" }
      const publish = await fetch(`${app.baseUrl}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
        body: JSON.stringify({ event_type: "status_changed", data, id: "evt_diga_signed_1" })
      })
      expect(publish.status).toBe(202)

      const [request] = await target.awaitRequests(1)
      expect(request!.path).toBe("/diga")
      expect(request!.headers["webhook-id"]).toBe("evt_diga_signed_1")
      expect(request!.headers["webhook-timestamp"]).toMatch(/^\d+$/)
      expect(Math.abs(Number(request!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60)
      expect(request!.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
      expect(request!.headers["datagrid-signature"]).toBeUndefined()
      expect(request!.headers["exa-signature"]).toBeUndefined()

      const envelope = JSON.parse(request!.body)
      expect(Object.keys(envelope)).toEqual(["id", "event", "timestamp", "data"])
      expect(envelope).toEqual({ id: "evt_diga_signed_1", event: "status_changed", timestamp: expect.stringMatching(ISO), data })

      expect(verifyStandardWebhook({ payload: request!.body, headers: request!.headers, secret: created.secret })).toMatchObject({ ok: true })
      expect(verifyStandardWebhook({ payload: `${request!.body} `, headers: request!.headers, secret: created.secret }))
        .toMatchObject({ ok: false })
      expect(new StandardWebhook(created.secret).verify(request!.body, request!.headers)).toEqual(envelope)
      const other = `whsec_${Buffer.from("another secret entirely!!").toString("base64")}`
      expect(() => new StandardWebhook(other).verify(request!.body, request!.headers)).toThrow()

      // The secret endpoint gives the same secret, for clients that only have Diga's create response.
      const read = await call("GET", `/v1/webhook/${created.id}/secret`)
      expect(new StandardWebhook(read.body.secret).verify(request!.body, request!.headers)).toEqual(envelope)
    })
  })

  const receiver = async () => {
    const started = await TestReceiver.start()
    receivers.push(started)
    return started
  }
})
