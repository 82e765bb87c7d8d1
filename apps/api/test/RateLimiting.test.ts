/**
 * API rate limits on every backend, on a manual clock so that window arithmetic
 * is exact and independent of the machine's speed: the headers count down, a
 * refusal is the Datagrid seed's RateLimitError (Exa's and Diga's shapes on
 * their paths) with `Retry-After`, the window slides rather than resets, and the
 * key is teamspace + route template + method. Then the configuration, and the
 * official SDKs meeting a 429 (the retry test lets the manual clock move as the
 * SDK waits).
 *
 * Several API processes sharing one Redis are tested in tests/system
 * (`ApiProtection.test.ts`), which spawns the built app.
 */
import { ApiKeys, type Ids } from "@herald/core"
import Datagrid from "datagrid-ai"
import { ConfigProvider, Effect, Either, Redacted } from "effect"
import { Exa, ExaError } from "exa-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HeraldApi } from "@herald/http/Contract"
import * as Protection from "@herald/http/edge/Protection"
import { render } from "@herald/http/docs/OpenApiDocument"
import * as RateLimiting from "@herald/http/edge/RateLimiting"
import { Environment } from "@herald/runtime"
import { backends, KEY_ACME, type RunningApp, start } from "./support/Harness.js"
import * as ManualClock from "./support/ManualClock.js"

const WINDOW_MS = 60_000

/** The served API's defaults, and its routes with the limits they declare. */
const defaults = Protection.defaultsFor(HeraldApi)
const routes = Protection.routesOf(HeraldApi)

/** The Datagrid seed's (000) `RateLimitError`, as its OpenAPI declares it. */
const SEED = {
  required: ["error", "message", "retryable", "status_code"],
  properties: {
    status_code: "integer",
    statusCode: "integer",
    error: "string",
    message: "string",
    mitigation: "string",
    retryable: "boolean",
    details: "object"
  },
  errorEnum: ["rate_limit_exceeded"],
  detailsProperties: { reason: "string" }
} as const

const jsonType = (value: unknown) =>
  Number.isInteger(value) ? "integer" : Array.isArray(value) ? "array" : value === null ? "null" : typeof value

/** Checks a 429 body against the seed's schema, field by field, and what Herald always sends. */
const expectSeedRateLimitError = (body: Record<string, unknown>) => {
  for (const field of SEED.required) expect(body, `required ${field}`).toHaveProperty(field)
  for (const [field, value] of Object.entries(body)) {
    expect(Object.keys(SEED.properties), `${field} is a seed field`).toContain(field)
    expect(jsonType(value), field).toBe(SEED.properties[field as keyof typeof SEED.properties])
  }
  expect(body["status_code"]).toBe(429)
  expect(body["statusCode"]).toBe(429)
  expect(SEED.errorEnum).toContain(body["error"])
  expect(body["retryable"]).toBe(true)
  expect(body["message"]).toMatch(/^Rate limit exceeded: /)
  expect(body["mitigation"]).toMatch(/Retry-After/)
  const details = body["details"] as Record<string, unknown>
  expect(Object.keys(details)).toEqual(Object.keys(SEED.detailsProperties))
  expect(typeof details["reason"]).toBe("string")
}

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: Record<string, unknown>
}

const call = async (
  app: RunningApp,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown
): Promise<Answer> => {
  const response = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === "" ? {} : JSON.parse(text) }
}

const rateHeaders = (answer: Answer) => ({
  limit: answer.headers.get("x-ratelimit-limit"),
  remaining: answer.headers.get("x-ratelimit-remaining"),
  reset: answer.headers.get("x-ratelimit-reset"),
  retryAfter: answer.headers.get("retry-after")
})

/** Unix seconds, rounded up, as `X-RateLimit-Reset` has them. */
const unix = (ms: number) => String(Math.ceil(ms / 1000))

/** One key per test, each its own teamspace, so tests never share a budget. */
const TEAMSPACES = ["countdown", "slides", "keying", "keying2", "routes", "batch", "profiles", "refused", "scoped"] as const
const keyOf = (teamspace: string) => `hk_test_rl_${teamspace}_0123456789abcdef`
const bearer = (teamspace: string) => ({ authorization: `Bearer ${keyOf(teamspace)}` })

describe.each(backends)("rate limits on %s", (backend) => {
  let app: RunningApp
  const clock = ManualClock.make(Date.UTC(2026, 10, 23, 12, 0, 0, 250))

  beforeAll(async () => {
    app = await start({
      backend,
      clock: clock.clock,
      apiKeys: [
        ...TEAMSPACES.map((teamspace) => [Redacted.make(keyOf(teamspace)), teamspace as Ids.TeamspaceId] as const),
        [Redacted.make(keyOf("readonly")), "scoped" as Ids.TeamspaceId, ["read"]] as const
      ],
      protection: {
        ...defaults,
        rateLimits: RateLimiting.make(routes, { limits: { default: 3, "POST /v1/events": 5, "POST /v1/events/batch": 5 }, windowMs: WINDOW_MS })
      }
    })
  })
  afterAll(() => app.close())

  it("the headers count down; the request over the limit is a 429 in the seed's RateLimitError shape, with Retry-After", async () => {
    const t0 = clock.now()
    const seen = []
    for (let i = 0; i < 3; i++) {
      const answer = await call(app, "GET", "/v1/webhooks", bearer("countdown"))
      expect(answer.status).toBe(200)
      seen.push(rateHeaders(answer))
      clock.advance(1_000)
    }
    const reset = unix(t0 + WINDOW_MS)
    expect(seen).toEqual([
      { limit: "3", remaining: "2", reset, retryAfter: null },
      { limit: "3", remaining: "1", reset, retryAfter: null },
      { limit: "3", remaining: "0", reset, retryAfter: null }
    ])

    const refused = await call(app, "GET", "/v1/webhooks", bearer("countdown"))
    expect(refused.status).toBe(429)
    expect(refused.headers.get("content-type")).toContain("application/json")
    // 3 s later: the first request leaves the window 57 s from now.
    expect(rateHeaders(refused)).toEqual({ limit: "3", remaining: "0", reset, retryAfter: "57" })
    expectSeedRateLimitError(refused.body)
    expect(refused.body).toEqual({
      status_code: 429,
      statusCode: 429,
      error: "rate_limit_exceeded",
      message: "Rate limit exceeded: at most 3 GET /v1/webhooks requests per 60 seconds per teamspace",
      mitigation:
        "Retry after 57 seconds (the Retry-After header), and spread requests out: X-RateLimit-Remaining says how many are left in the window.",
      retryable: true,
      details: {
        reason:
          "Your teamspace made 3 GET /v1/webhooks requests in the last 60 seconds, the most this route allows; the oldest of them leaves the window in 57 seconds."
      }
    })
  })

  it("the window slides: slots free one by one as their requests age out, not all at once", async () => {
    const t0 = clock.now()
    const get = () => call(app, "GET", "/v1/webhooks", bearer("slides"))
    const statuses = async (n: number) => {
      const out: Array<string> = []
      for (let i = 0; i < n; i++) {
        const answer = await get()
        out.push(`${answer.status} ${answer.headers.get("x-ratelimit-remaining")} ${answer.headers.get("retry-after")}`)
      }
      return out
    }
    expect(await statuses(2)).toEqual(["200 2 null", "200 1 null"]) // t0
    clock.advance(30_000)
    expect(await statuses(2)).toEqual(["200 0 null", "429 0 30"]) // t0 + 30 s: full until t0 + 60 s
    clock.advance(30_000)
    // t0 + 60 s: the two of t0 have left, the one of t0 + 30 s has not. A fixed
    // window would give three here; the sliding one gives two.
    expect(await statuses(3)).toEqual(["200 1 null", "200 0 null", "429 0 30"])
    const refused = await get()
    expect(refused.headers.get("x-ratelimit-reset")).toBe(unix(t0 + 90_000))
    clock.advance(29_999)
    expect(await statuses(1)).toEqual(["429 0 1"])
    clock.advance(1)
    // t0 + 90 s: the one of t0 + 30 s has left; the next slot frees at t0 + 120 s.
    expect(await statuses(2)).toEqual(["200 0 null", "429 0 30"])
  })

  it("the key is teamspace + route template + method: ids in the path share a budget", async () => {
    const ids = ["wh_01KAAAAAAAAAAAAAAAAAAAAAAA", "wh_01KBBBBBBBBBBBBBBBBBBBBBBB", "wh_01KCCCCCCCCCCCCCCCCCCCCCCC"]
    const answers = []
    for (const id of ids) answers.push(await call(app, "GET", `/v1/webhooks/${id}`, bearer("keying")))
    expect(answers.map((answer) => [answer.status, answer.headers.get("x-ratelimit-remaining")])).toEqual([
      [404, "2"],
      [404, "1"],
      [404, "0"]
    ])
    const refused = await call(app, "GET", "/v1/webhooks/wh_01KDDDDDDDDDDDDDDDDDDDDDDD", bearer("keying"))
    expect(refused.status).toBe(429)
    expect(refused.body["message"]).toContain("GET /v1/webhooks/{webhook_id}")

    // Another method on the same template, another route, another teamspace: each its own budget.
    const patch = await call(app, "PATCH", `/v1/webhooks/${ids[0]}`, bearer("keying"), { enabled: false })
    expect([patch.status, patch.headers.get("x-ratelimit-remaining")]).toEqual([404, "2"])
    const list = await call(app, "GET", "/v1/webhooks", bearer("keying"))
    expect([list.status, list.headers.get("x-ratelimit-remaining")]).toEqual([200, "2"])
    const other = await call(app, "GET", `/v1/webhooks/${ids[0]}`, bearer("keying2"))
    expect([other.status, other.headers.get("x-ratelimit-remaining")]).toEqual([404, "2"])
    // The profiles' paths are routes of their own.
    const exa = await call(app, "GET", `/websets/v0/webhooks/${ids[0]}`, { "x-api-key": keyOf("keying") })
    expect([exa.status, exa.headers.get("x-ratelimit-remaining")]).toEqual([404, "2"])
  })

  it("a route may have its own limit (POST /v1/events: 5 here)", async () => {
    const publish = await call(app, "POST", "/v1/events", bearer("routes"), {
      event_type: "batch_prediction.completed",
      data: { n: 1 }
    })
    expect(publish.status).toBe(202)
    expect(rateHeaders(publish)).toMatchObject({ limit: "5", remaining: "4" })
    const list = await call(app, "GET", "/v1/events", bearer("routes"))
    expect(rateHeaders(list)).toMatchObject({ limit: "3", remaining: "2" })
  })

  it("a batch publish counts its events, all or none: 3 of 5, then 3 more is refused, then 2 fit", async () => {
    const batch = (size: number) => ({
      events: Array.from({ length: size }, (_, n) => ({ event_type: "batch_prediction.completed", data: { n } }))
    })
    const first = await call(app, "POST", "/v1/events/batch", bearer("batch"), batch(3))
    expect(first.status).toBe(200)
    expect(rateHeaders(first)).toMatchObject({ limit: "5", remaining: "2" })
    const over = await call(app, "POST", "/v1/events/batch", bearer("batch"), batch(3))
    expect(over.status).toBe(429)
    expect(rateHeaders(over)).toMatchObject({ limit: "5", remaining: "0" })
    expect(over.body).toMatchObject({
      status_code: 429,
      message: "Rate limit exceeded: at most 5 events through POST /v1/events/batch per 60 seconds per teamspace"
    })
    const fits = await call(app, "POST", "/v1/events/batch", bearer("batch"), batch(2))
    expect(fits.status).toBe(200)
    expect(rateHeaders(fits)).toMatchObject({ limit: "5", remaining: "0" })
  })

  it("Exa and Diga paths refuse in their own shapes, with the same headers", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await call(app, "GET", "/websets/v0/webhooks", { "x-api-key": keyOf("profiles") })).status).toBe(200)
      expect((await call(app, "GET", "/v1/webhook/", bearer("profiles"))).status).toBe(200)
    }
    const exa = await call(app, "GET", "/websets/v0/webhooks", { "x-api-key": keyOf("profiles") })
    expect(exa.status).toBe(429)
    expect(rateHeaders(exa)).toEqual({ limit: "3", remaining: "0", reset: exa.headers.get("x-ratelimit-reset"), retryAfter: "60" })
    expect(exa.body).toEqual({
      statusCode: 429,
      error:
        "Rate limit exceeded: at most 3 GET /websets/v0/webhooks requests per 60 seconds per teamspace. Retry after 60 seconds (the Retry-After header), and spread requests out: X-RateLimit-Remaining says how many are left in the window.",
      tag: "RATE_LIMIT_EXCEEDED",
      // The response's X-Request-Id, the one its log lines carry.
      requestId: exa.headers.get("x-request-id")
    })

    const diga = await call(app, "GET", "/v1/webhook/", bearer("profiles"))
    expect(diga.status).toBe(429)
    expect(rateHeaders(diga)).toMatchObject({ limit: "3", remaining: "0", retryAfter: "60" })
    expect(diga.body).toEqual({
      status: "error",
      error_code: "RATE_LIMIT_EXCEEDED",
      message: expect.stringMatching(/^Rate limit exceeded: at most 3 GET \/v1\/webhook\/ requests per 60 seconds/)
    })
  })

  it("refused requests are not counted; unauthenticated ones are neither counted nor given the headers", async () => {
    const t0 = clock.now()
    for (let i = 0; i < 3; i++) await call(app, "GET", "/v1/events", bearer("refused"))
    for (let i = 0; i < 5; i++) {
      const refused = await call(app, "GET", "/v1/events", bearer("refused"))
      expect([refused.status, refused.headers.get("retry-after")]).toEqual([429, "60"])
    }
    const unauthenticated = await call(app, "GET", "/v1/events", { authorization: "Bearer hk_nobody_0123456789abcdef" })
    expect(unauthenticated.status).toBe(401)
    expect(rateHeaders(unauthenticated)).toEqual({ limit: null, remaining: null, reset: null, retryAfter: null })
    const unknownRoute = await call(app, "GET", "/v1/nowhere", bearer("refused"))
    expect(unknownRoute.status).toBe(404)
    expect(unknownRoute.headers.get("x-ratelimit-limit")).toBeNull()

    // The five refusals took no slot: once the three have left, three fit again.
    clock.advance(t0 + WINDOW_MS - clock.now())
    const after = []
    for (let i = 0; i < 4; i++) after.push((await call(app, "GET", "/v1/events", bearer("refused"))).status)
    expect(after).toEqual([200, 200, 200, 429])
  })

  it("a request refused for its key's scope is counted and carries the headers", async () => {
    const readonly = { authorization: `Bearer ${keyOf("readonly")}` }
    const forbidden = await call(app, "POST", "/v1/webhooks", readonly, {
      url: "https://example.com/hook",
      events: ["batch_prediction.completed"]
    })
    expect(forbidden.status).toBe(403)
    expect(rateHeaders(forbidden)).toMatchObject({ limit: "60", remaining: "59", retryAfter: null })
  })
})

describe("with rate limits off", () => {
  let app: RunningApp
  beforeAll(async () => {
    app = await start({ protection: { ...defaults, rateLimits: RateLimiting.disabled } })
  })
  afterAll(() => app.close())

  it("nothing is counted and no rate limit header is sent", async () => {
    for (let i = 0; i < 5; i++) {
      const answer = await call(app, "GET", "/v1/webhooks", { authorization: `Bearer ${KEY_ACME}` })
      expect(answer.status).toBe(200)
      expect(rateHeaders(answer)).toEqual({ limit: null, remaining: null, reset: null, retryAfter: null })
    }
  })
})

describe("HERALD_RATE_LIMITS and HERALD_RATE_LIMIT_WINDOW", () => {
  const read = (env: Record<string, string>) =>
    Effect.runSync(
      Effect.either(
        Environment.protection.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
      )
    )
  const errorOf = (result: ReturnType<typeof read>) => Either.isLeft(result) ? String(result.left) : "(no error)"
  const limitsOf = (env: Record<string, string>) => {
    const settings = Either.getOrThrow(read(env)).rateLimits
    return {
      enabled: settings.enabled,
      windowMs: settings.windowMs,
      defaultLimit: settings.defaultLimit,
      routes: Object.fromEntries(settings.routes)
    }
  }

  it("defaults to 600 a minute, 6000 for publishing (single and batch events) and listeners' answers, 60 for creating webhooks, registering event types, opening portal sessions and listeners", () => {
    expect(limitsOf({})).toEqual({
      enabled: true,
      windowMs: 60_000,
      defaultLimit: 600,
      routes: {
        "POST /v1/events": 6_000,
        "POST /v1/events/batch": 6_000,
        "POST /v1/event-types": 60,
        "PATCH /v1/event-types/:": 60,
        "POST /v1/portal/sessions": 60,
        "POST /v1/listeners": 60,
        "POST /v1/listeners/:/answers": 6_000,
        "POST /v1/webhooks": 60,
        "POST /websets/v0/webhooks": 60,
        "POST /v1/webhook": 60
      }
    })
  })

  it("entries override the defaults; routes may be written with {param} or :param, in any case", () => {
    expect(limitsOf({
      HERALD_RATE_LIMITS: "default=100, POST /v1/events=20000,get /v1/webhooks/{webhook_id}=50,PATCH /v1/webhook/:id=7",
      HERALD_RATE_LIMIT_WINDOW: "10 seconds"
    })).toEqual({
      enabled: true,
      windowMs: 10_000,
      defaultLimit: 100,
      routes: {
        "POST /v1/events": 20_000,
        "POST /v1/events/batch": 6_000,
        "POST /v1/event-types": 60,
        "PATCH /v1/event-types/:": 60,
        "POST /v1/portal/sessions": 60,
        "POST /v1/listeners": 60,
        "POST /v1/listeners/:/answers": 6_000,
        "POST /v1/webhooks": 60,
        "POST /websets/v0/webhooks": 60,
        "POST /v1/webhook": 60,
        "GET /v1/webhooks/:": 50,
        "PATCH /v1/webhook/:": 7
      }
    })
  })

  it("off turns rate limiting off", () => {
    expect(limitsOf({ HERALD_RATE_LIMITS: "off" }).enabled).toBe(false)
    expect(limitsOf({ HERALD_RATE_LIMITS: "OFF" }).enabled).toBe(false)
  })

  it("a bad value stops the start with a message naming the variable", () => {
    for (
      const [env, message] of [
        [{ HERALD_RATE_LIMITS: "default=0" }, "positive integer"],
        [{ HERALD_RATE_LIMITS: "default=ten" }, "positive integer"],
        [{ HERALD_RATE_LIMITS: "POST /v1/events" }, "positive integer"],
        [{ HERALD_RATE_LIMITS: "FETCH /v1/events=5" }, "a route is \"METHOD /path\""],
        [{ HERALD_RATE_LIMITS: "POST /v1/event=5" }, "no such route (routes: POST /v1/webhooks, GET /v1/webhooks"],
        [{ HERALD_RATE_LIMITS: "DELETE /v1/events=5" }, "no such route"]
      ] as const
    ) {
      const error = errorOf(read(env))
      expect(error, JSON.stringify(env)).toContain("HERALD_RATE_LIMITS")
      expect(error, JSON.stringify(env)).toContain(message)
    }
    for (const window of ["500 millis", "2 hours", "soon"]) {
      expect(errorOf(read({ HERALD_RATE_LIMIT_WINDOW: window })), window).toContain("HERALD_RATE_LIMIT_WINDOW")
    }
  })

  it("the OpenAPI document declares the seed's RateLimitError, field by field", () => {
    const spec = JSON.parse(render()) as {
      components: { schemas: Record<string, { required: Array<string>; properties: Record<string, Record<string, unknown>> }> }
    }
    const schema = spec.components.schemas["RateLimitError"]!
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(SEED.properties).sort())
    expect(schema.required).toEqual(expect.arrayContaining([...SEED.required]))
    expect(schema.properties["statusCode"]).toMatchObject({ deprecated: true })
    expect(schema.properties["error"]).toMatchObject({ enum: SEED.errorEnum })
    expect(Object.keys((schema.properties["details"] as { properties: object }).properties)).toEqual(["reason"])
  })
})

describe("the official SDKs meet a 429", () => {
  let app: RunningApp
  const clock = ManualClock.make(Date.UTC(2026, 10, 23, 12))
  const KEY = "hk_test_sdk_0123456789abcdef"
  const url = "https://example.com/webhooks/datagrid"
  const events = ["batch_prediction.completed"] as Array<"batch_prediction.completed">

  beforeAll(async () => {
    app = await start({
      clock: clock.clock,
      apiKeys: [[Redacted.make(KEY), "sdk" as Ids.TeamspaceId, ApiKeys.allScopes]],
      protection: {
        ...defaults,
        rateLimits: RateLimiting.make(routes, { limits: { default: 1, "POST /v1/webhooks": 1 }, windowMs: 2_000 })
      }
    })
  })
  afterAll(() => app.close())

  it("datagrid-ai with maxRetries 0 throws its RateLimitError, with the seed's body and the headers", async () => {
    const client = new Datagrid({ apiKey: KEY, baseURL: `${app.baseUrl}/v1`, maxRetries: 0 })
    await client.webhooks.create({ url, events })
    const error = await client.webhooks.create({ url, events }).then(() => undefined, (error: unknown) => error)
    expect(error).toBeInstanceOf(Datagrid.RateLimitError)
    const rateLimited = error as InstanceType<typeof Datagrid.RateLimitError>
    expect(rateLimited.status).toBe(429)
    expect(rateLimited.message).toBe("429 Rate limit exceeded: at most 1 POST /v1/webhooks requests per 2 seconds per teamspace")
    expectSeedRateLimitError(rateLimited.error as Record<string, unknown>)
    expect(rateLimited.headers?.["retry-after"]).toBe("2")
    expect(rateLimited.headers?.["x-ratelimit-remaining"]).toBe("0")
    clock.advance(2_000)
  })

  it("datagrid-ai with retries on waits for Retry-After and succeeds", async () => {
    const statuses: Array<number> = []
    // While the SDK sleeps Retry-After on the real clock, the app's clock moves as far.
    const fetchThatWaits = async (input: unknown, init?: unknown) => {
      const response = await fetch(input as string, init as RequestInit)
      statuses.push(response.status)
      const retryAfter = response.headers.get("retry-after")
      if (response.status === 429 && retryAfter !== null) clock.advance(Number(retryAfter) * 1000)
      return response
    }
    // The SDK declares node-fetch's types for `fetch`; any fetch will do at run time.
    const client = new Datagrid({ apiKey: KEY, baseURL: `${app.baseUrl}/v1`, fetch: fetchThatWaits as never })
    await client.webhooks.create({ url, events })
    const created = await client.webhooks.create({ url, events })
    expect(created.url).toBe(url)
    expect(statuses).toEqual([201, 429, 201])
    clock.advance(2_000)
  })

  it("exa-js throws an ExaError with status 429 and the message", async () => {
    const exa = new Exa(KEY, app.baseUrl)
    await exa.websets.webhooks.list()
    const error = await exa.websets.webhooks.list().then(() => undefined, (error: unknown) => error)
    expect(error).toBeInstanceOf(ExaError)
    expect((error as ExaError).statusCode).toBe(429)
    expect((error as ExaError).message).toMatch(/^Rate limit exceeded: at most 1 GET \/websets\/v0\/webhooks requests per 2 seconds/)
  })
})
