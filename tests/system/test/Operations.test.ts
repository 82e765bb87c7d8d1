/**
 * What an operator scrapes and probes, across processes: an API process (`HERALD_ROLE=api`) and a
 * worker process on one private Redis (and on PostgreSQL beside it). The worker serves `/healthz`,
 * `/readyz` and `/metrics` on its operations port (`HERALD_METRICS_PORT`); each process's metrics
 * are its own work (the API's the publishes and requests, the worker's the attempts), both parse
 * as Prometheus text, and both report the shared queue's depth. With `HERALD_METRICS=false`
 * neither serves `/metrics`, and the worker still answers its probes. With
 * `OTEL_EXPORTER_OTLP_ENDPOINT`, both export their spans over OTLP (to a receiver standing in for
 * the collector), and a publish in the API and its delivery in the worker are one trace.
 */
import { PostgresDatabase, PrometheusText, RedisServer, TestReceiver } from "@herald/testkit"
import { afterEach, describe, expect, it } from "vitest"
import * as Http from "./support/HeraldHttp.js"
import * as Postgres from "./support/Postgres.js"
import * as Processes from "./support/Processes.js"

const API_KEY = "operations-key-0123456789abcdef"
const TEAMSPACE = "operations"
const EVENTS = 3

const { canRun, why } = Processes.prerequisites()

const stores = ["Redis", ...(PostgresDatabase.isAvailable() ? ["PostgreSQL and Redis"] : [])] as const

const scrape = async (url: string) => {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })
  expect(response.status, `${url}/metrics`).toBe(200)
  return PrometheusText.parse(await response.text())
}

;(canRun ? describe : describe.skip).each(stores)(`the operations routes of an API and a worker process on %s${why}`, (store) => {
  let closeStores: (() => Promise<void>) | undefined
  let receiver: TestReceiver.RunningReceiver | undefined
  let api: Processes.ApiProcess | undefined
  let worker: Processes.WorkerProcess | undefined
  afterEach(async () => {
    await Processes.stopAll([api, worker])
    await receiver?.close()
    await closeStores?.()
  })

  const start = async (env: Record<string, string> = {}) => {
    const started = store === "Redis" ? await RedisServer.start() : await Postgres.startWithRedis()
    closeStores = () => started.close()
    const shared: Processes.Shared = {
      redisUrl: started.url,
      ...("databaseUrl" in started ? { databaseUrl: started.databaseUrl } : {}),
      tag: Processes.uniqueTag(),
      retrySchedule: "0s"
    }
    api = await Processes.startApi(shared, { apiKey: API_KEY, teamspace: TEAMSPACE, env })
    worker = await Processes.startWorker("worker", shared, { env })
    return { api, worker }
  }

  it("the worker's port answers liveness, readiness and its metrics; the API's metrics are its own work", async () => {
    const { api, worker } = await start()
    await Processes.dumpingOnFailure(() => [api, worker], async () => {
      expect((await fetch(`${worker.operationsUrl}/healthz`)).status).toBe(200)
      const ready = await fetch(`${worker.operationsUrl}/readyz`)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toEqual({
        status: "ready",
        dependencies: store === "Redis"
          ? { queue: "ok", redis: "ok" }
          : { postgres: "ok", queue: "ok", redis: "ok" }
      })

      receiver = await TestReceiver.start()
      await Http.createWebhook(api.url, API_KEY, `${receiver.url}/hooks`, ["batch_prediction.completed"])
      for (let i = 0; i < EVENTS; i++) {
        await Http.publishEvent(api.url, API_KEY, { id: `evt_ops_${i}`, event_type: "batch_prediction.completed", data: { i } })
      }
      await receiver.awaitRequests(EVENTS, 30_000)
      // Counted just after the receiver answers: ask until all are.
      let workerMetrics = await scrape(worker.operationsUrl)
      await Processes.pollUntil(async () => {
        workerMetrics = await scrape(worker.operationsUrl)
        return PrometheusText.total(workerMetrics, "herald_deliveries_total", { outcome: "delivered" }) === EVENTS
      }, 20_000)
      const apiMetrics = await scrape(api.url)

      expect({
        attempts: PrometheusText.total(workerMetrics, "herald_delivery_attempts_total", { result: "success" }),
        delivered: PrometheusText.total(workerMetrics, "herald_deliveries_total", { profile: "datagrid", outcome: "delivered" }),
        latencies: PrometheusText.total(workerMetrics, "herald_delivery_latency_seconds", { profile: "datagrid" }),
        publishedHere: PrometheusText.total(workerMetrics, "herald_events_published_total")
      }).toEqual({ attempts: EVENTS, delivered: EVENTS, latencies: EVENTS, publishedHere: 0 })
      expect({
        published: PrometheusText.total(apiMetrics, "herald_events_published_total"),
        publishes: PrometheusText.total(apiMetrics, "herald_http_requests_total", { route: "/v1/events", method: "POST", status: "202" }),
        attemptsHere: PrometheusText.total(apiMetrics, "herald_delivery_attempts_total")
      }).toEqual({ published: EVENTS, publishes: EVENTS, attemptsHere: 0 })
      // Both see the one queue: nothing waits once everything is delivered.
      for (const families of [workerMetrics, apiMetrics]) {
        expect(PrometheusText.series(families, "herald_queue_jobs").map((one) => one.labels["state"]).sort())
          .toEqual(["active", "delayed", "failed", "waiting"])
        expect(PrometheusText.total(families, "herald_queue_jobs", { state: "waiting" })).toBe(0)
      }
    })
  }, 120_000)

  it("with OTEL_EXPORTER_OTLP_ENDPOINT, the API's publish and the worker's delivery are one trace", async () => {
    const collector = await TestReceiver.start()
    try {
      const { api, worker } = await start({
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        // Export within a tenth of a second rather than the default 5.
        OTEL_BSP_SCHEDULE_DELAY: "100"
      })
      await Processes.dumpingOnFailure(() => [api, worker], async () => {
        receiver = await TestReceiver.start()
        await Http.createWebhook(api.url, API_KEY, `${receiver.url}/hooks`, ["batch_prediction.completed"])
        await Http.publishEvent(api.url, API_KEY, { id: "evt_traced", event_type: "batch_prediction.completed", data: {} })
        await receiver.awaitRequests(1, 30_000)

        interface Exported {
          readonly service: string
          readonly name: string
          readonly traceId: string
          readonly spanId: string
          readonly parentSpanId?: string
        }
        const exported = (): ReadonlyArray<Exported> =>
          collector.requests().filter((request) => request.path === "/v1/traces").flatMap((request) => {
            const body = JSON.parse(request.body) as {
              readonly resourceSpans: ReadonlyArray<{
                readonly resource: { readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: { readonly stringValue?: string } }> }
                readonly scopeSpans: ReadonlyArray<{ readonly spans: ReadonlyArray<Omit<Exported, "service">> }>
              }>
            }
            return body.resourceSpans.flatMap((resource) => {
              const service = resource.resource.attributes.find((attribute) => attribute.key === "service.name")?.value.stringValue ?? ""
              return resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => ({ ...span, service })))
            })
          })
        expect(await Processes.pollUntil(() => exported().some((span) => span.name === "Dispatcher.deliver"), 20_000)).toBe(true)
        const publish = exported().find((span) => span.name === "Publisher.publish")
        const deliver = exported().find((span) => span.name === "Dispatcher.deliver")
        expect(publish?.service).toBe("herald-api")
        expect(deliver?.service).toBe("herald-worker")
        expect(deliver?.traceId).toBe(publish?.traceId)
        expect(deliver?.parentSpanId).toBe(publish?.spanId)
      })
    } finally {
      await collector.close()
    }
  }, 120_000)

  it("with HERALD_METRICS=false neither serves /metrics, and the worker still answers its probes", async () => {
    const { api, worker } = await start({ HERALD_METRICS: "false" })
    await Processes.dumpingOnFailure(() => [api, worker], async () => {
      expect((await fetch(`${worker.operationsUrl}/metrics`)).status).toBe(404)
      expect((await fetch(`${api.url}/metrics`)).status).toBe(404)
      expect((await fetch(`${worker.operationsUrl}/healthz`)).status).toBe(200)
      expect((await fetch(`${worker.operationsUrl}/readyz`)).status).toBe(200)
    })
  }, 120_000)
})
