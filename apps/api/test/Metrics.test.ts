/**
 * `GET /metrics` through the real app on every backend, after real deliveries: a success, a failure
 * retried to a success, and a 410 that disables its webhook. The whole exposition is parsed by a
 * Prometheus text-format parser (a malformed line fails), and the counters moved by exactly what
 * happened: attempts by result and failure kind, deliveries by outcome, the webhook disabled, the
 * event published and its fan-out, the requests by route template, a rate limit's refusal and an
 * idempotent replay. The metrics are the process's (Effect's registry), so each test reads how they
 * moved, not their values.
 */
import { TestReceiver, PrometheusText } from "@herald/testkit"
import { HeraldApi } from "@herald/http/Contract"
import * as Protection from "@herald/http/edge/Protection"
import * as RateLimiting from "@herald/http/edge/RateLimiting"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { backends, KEY_ACME, type RunningApp, start } from "./support/Harness.js"

const scrape = async (app: RunningApp) => {
  const response = await fetch(`${app.baseUrl}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
  return PrometheusText.parse(await response.text())
}

/** How the totals of `queries` moved between two scrapes. */
const moved = (
  before: ReadonlyArray<PrometheusText.Family>,
  after: ReadonlyArray<PrometheusText.Family>,
  queries: Record<string, readonly [string, Record<string, string>?]>
) =>
  Object.fromEntries(
    Object.entries(queries).map((
      [name, [metric, labels]]
    ) => [name, PrometheusText.total(after, metric, labels) - PrometheusText.total(before, metric, labels)])
  )

const api = (app: RunningApp, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })

describe.each(backends)("GET /metrics on %s", (backend) => {
  let app: RunningApp
  const receivers: Array<TestReceiver.RunningReceiver> = []
  beforeAll(async () => {
    app = await start({ backend, retrySchedule: [0, 100, 100] })
  })
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
  })
  afterAll(() => app.close())

  const subscribe = async (respond: TestReceiver.Responder) => {
    const receiver = await TestReceiver.start({ respond })
    receivers.push(receiver)
    const response = await api(app, "POST", "/v1/webhooks", { url: `${receiver.url}/hooks`, events: ["batch_prediction.completed"] })
    expect(response.status).toBeLessThan(300)
    return { receiver, webhook: await response.json() as { readonly id: string } }
  }

  it("counts deliveries, attempts, the disabled webhook and the publish, as they happened", async () => {
    const before = await scrape(app)
    const ok = await subscribe(() => TestReceiver.reply(200))
    const flaky = await subscribe((_, index) => TestReceiver.reply(index === 0 ? 500 : 200))
    const gone = await subscribe(() => TestReceiver.reply(410))
    const published = await api(app, "POST", "/v1/events", { event_type: "batch_prediction.completed", data: { id: "bp_1" } })
    expect(published.status).toBeLessThan(300)
    await Promise.all([ok.receiver.awaitRequests(1), flaky.receiver.awaitRequests(2), gone.receiver.awaitRequests(1)])

    // The attempt is counted just after its receiver answers: ask until all four are.
    let after = await scrape(app)
    for (let i = 0; i < 100 && PrometheusText.total(after, "herald_delivery_attempts_total") - PrometheusText.total(before, "herald_delivery_attempts_total") < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      after = await scrape(app)
    }
    expect(moved(before, after, {
      attempts: ["herald_delivery_attempts_total"],
      succeeded: ["herald_delivery_attempts_total", { profile: "datagrid", result: "success", failure_kind: "none" }],
      failedStatus: ["herald_delivery_attempts_total", { profile: "datagrid", result: "failure", failure_kind: "http_status" }],
      delivered: ["herald_deliveries_total", { profile: "datagrid", outcome: "delivered" }],
      givenUp: ["herald_deliveries_total", { profile: "datagrid", outcome: "given_up" }],
      dropped: ["herald_deliveries_total", { outcome: "dropped" }],
      disabledGone: ["herald_endpoints_disabled_total", { reason: "gone" }],
      durations: ["herald_delivery_attempt_duration_seconds", { profile: "datagrid" }],
      latencies: ["herald_delivery_latency_seconds", { profile: "datagrid" }],
      published: ["herald_events_published_total"],
      fanOuts: ["herald_fanout_webhooks"],
      publishRequests: ["herald_http_requests_total", { route: "/v1/events", method: "POST" }],
      webhookRequests: ["herald_http_requests_total", { route: "/v1/webhooks", method: "POST", status: "201" }]
    })).toEqual({
      attempts: 4,
      succeeded: 2,
      failedStatus: 2,
      delivered: 2,
      givenUp: 1,
      dropped: 0,
      disabledGone: 1,
      durations: 4,
      latencies: 2,
      published: 1,
      fanOuts: 1,
      publishRequests: 1,
      webhookRequests: 3
    })
    // The fan-out reached three webhooks: its one observation is in the bucket up to 5, not up to 2.
    const fanOut = (families: ReadonlyArray<PrometheusText.Family>, le: string) =>
      PrometheusText.series(families, "herald_fanout_webhooks")[0]?.buckets?.[le] ?? 0
    expect(fanOut(after, "5") - fanOut(before, "5")).toBe(1)
    expect(fanOut(after, "2") - fanOut(before, "2")).toBe(0)
    // The queue's gauges are there, by state, and nothing waits now.
    for (const state of ["waiting", "delayed", "active", "failed"]) {
      expect(PrometheusText.series(after, "herald_queue_jobs", { state }), state).toHaveLength(1)
    }
    expect(PrometheusText.total(after, "herald_queue_oldest_waiting_seconds")).toBe(0)
    // A route's label is its template, never an id from the URL.
    await api(app, "GET", `/v1/webhooks/${ok.webhook.id}`)
    const labelled = await scrape(app)
    expect(PrometheusText.total(labelled, "herald_http_requests_total", { route: "/v1/webhooks/:webhook_id", method: "GET", status: "200" }))
      .toBeGreaterThanOrEqual(1)
    const routes = PrometheusText.series(labelled, "herald_http_requests_total").map((one) => one.labels["route"] ?? "")
    expect(routes.filter((route) => route.includes(ok.webhook.id))).toEqual([])
  }, 30_000)

  it("counts an idempotent replay, and labels a URL no route serves as unmatched", async () => {
    const before = await scrape(app)
    const event = { event_type: "batch_prediction.completed", data: { id: "bp_2" } }
    for (let i = 0; i < 2; i++) {
      expect((await api(app, "POST", "/v1/events", event, { "idempotency-key": `metrics-${backend}` })).status).toBeLessThan(300)
    }
    expect((await api(app, "GET", "/v1/no-such-route/wh_123")).status).toBe(404)
    const after = await scrape(app)
    expect(moved(before, after, {
      replays: ["herald_idempotent_replays_total"],
      published: ["herald_events_published_total"],
      unmatched: ["herald_http_requests_total", { route: "unmatched", method: "GET", status: "404" }]
    })).toEqual({ replays: 1, published: 1, unmatched: 1 })
  })
})

describe("GET /metrics after a rate limit's refusal", () => {
  let app: RunningApp
  beforeAll(async () => {
    const defaults = Protection.defaultsFor(HeraldApi)
    app = await start({
      protection: {
        ...defaults,
        rateLimits: RateLimiting.make(Protection.routesOf(HeraldApi), { limits: { default: 1_000, "GET /v1/webhooks": 1 }, windowMs: 60_000 })
      }
    })
  })
  afterAll(() => app.close())

  it("counts the refusal by route template", async () => {
    const before = await scrape(app)
    expect((await api(app, "GET", "/v1/webhooks")).status).toBe(200)
    expect((await api(app, "GET", "/v1/webhooks")).status).toBe(429)
    const after = await scrape(app)
    expect(moved(before, after, {
      refused: ["herald_rate_limit_refusals_total", { route: "GET /v1/webhooks" }],
      answered429: ["herald_http_requests_total", { route: "/v1/webhooks", method: "GET", status: "429" }]
    })).toEqual({ refused: 1, answered429: 1 })
  })
})

describe("GET /metrics with a token", () => {
  let app: RunningApp
  const TOKEN = "scrape-token-0123456789abcdef"
  beforeAll(async () => {
    app = await start({ metricsToken: TOKEN })
  })
  afterAll(() => app.close())

  it("answers 401 without the bearer token or with another, the metrics with it", async () => {
    for (const headers of [{}, { authorization: "Bearer not-the-token-0123456789" }, { authorization: TOKEN }]) {
      const refused = await fetch(`${app.baseUrl}/metrics`, { headers })
      expect(refused.status, JSON.stringify(headers)).toBe(401)
      expect(refused.headers.get("www-authenticate")).toBe("Bearer")
    }
    const answered = await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(answered.status).toBe(200)
    expect(PrometheusText.series(PrometheusText.parse(await answered.text()), "herald_events_published_total")).toHaveLength(1)
  })
})
