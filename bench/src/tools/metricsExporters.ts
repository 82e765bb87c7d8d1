/**
 * Why Herald's metrics are Effect metrics exported through OpenTelemetry's
 * Prometheus exporter rather than prom-client: what an update costs, which every
 * request and delivery pays, and what a scrape costs, which a Prometheus server
 * pays every 15 s or so.
 *
 *   node bench/dist/tools/metricsExporters.js [updates=2000000] [scrapes=300] [repeats=5]
 *
 * Updates, in nanoseconds, on families shaped like Herald's (attempts by profile,
 * result and failure kind; attempt duration by profile):
 * - Effect, a pre-labelled metric held (`MetricKey.taggedWithLabels` +
 *   `Metric.fromMetricKey`, as `@herald/core`'s `Metrics` makes them) and
 *   `unsafeUpdate`: the update alone;
 * - Herald's own `Metrics.attempted` / `Metrics.attemptDuration`: the same plus
 *   finding the metric from its label values, what the hot path really runs;
 * - prom-client's `counter.labels(...).inc()` and `histogram.labels(...).observe()`,
 *   and `counter.inc({ labels })`.
 *
 * Scrapes, in milliseconds, of the same families filled with the HTTP request
 * metrics of 20 route templates x 2 methods x 4 statuses (about 900 exposition
 * lines): Herald's renderer (`@herald/http`'s `Exposition`: OpenTelemetry's
 * `PrometheusExporter` and `PrometheusSerializer` fed by `@effect/opentelemetry`'s
 * `Metrics.makeProducer`) against prom-client's `registry.metrics()`.
 *
 * Each figure is measured `repeats` times after a warm-up; the median is printed
 * with the range. prom-client is a devDependency of the bench for this tool only.
 */
import { Metrics } from "@herald/core"
import * as Exposition from "@herald/http/metrics/Exposition"
import { Duration, Effect, Metric, MetricBoundaries, MetricKey, MetricLabel, Option } from "effect"
import client from "prom-client"

const [updates = 2_000_000, scrapes = 300, repeats = 5] = process.argv.slice(2).map(Number)

const PROFILES = ["datagrid", "exa", "diga"]
const FAILURE_KINDS = ["none", "timeout", "connection", "dns", "tls", "blocked", "redirect", "http_status", "other"]
const ROUTES = Array.from({ length: 20 }, (_, i) => `/v1/route${i}/{id}`)
const METHODS = ["GET", "POST"]
const STATUSES = ["200", "400", "404", "429"]
/** Herald's attempt and request duration buckets (`@herald/core`'s `Metrics`). */
const ATTEMPT_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const REQUEST_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

const resultOf = (kind: string) => (kind === "none" ? "success" : "failure")

/** A metric with its labels in its key, made once: what `Metrics`' families keep per label values. */
const preLabelled = (key: MetricKey.MetricKey.Untyped, labels: Readonly<Record<string, string>>) =>
  Metric.fromMetricKey(
    MetricKey.taggedWithLabels(key, Object.entries(labels).map(([name, value]) => MetricLabel.make(name, value)))
  ) as Metric.Metric<unknown, number, unknown>

// Effect metrics held pre-labelled, under names of their own so they do not add to Herald's series.
const effectAttempts = PROFILES.map((profile) =>
  FAILURE_KINDS.map((kind) =>
    preLabelled(MetricKey.counter("bench_attempts_total", { incremental: true }), {
      profile,
      result: resultOf(kind),
      failure_kind: kind
    })
  )
)
const effectDurations = PROFILES.map((profile) =>
  preLabelled(MetricKey.histogram("bench_attempt_duration_seconds", MetricBoundaries.fromIterable(ATTEMPT_SECONDS)), { profile })
)

// prom-client, the same families, in a registry of its own.
const registry = new client.Registry()
const promAttempts = new client.Counter({
  name: "herald_delivery_attempts_total",
  help: "Delivery attempts",
  labelNames: ["profile", "result", "failure_kind"],
  registers: [registry]
})
const promDuration = new client.Histogram({
  name: "herald_delivery_attempt_duration_seconds",
  help: "Attempt duration",
  labelNames: ["profile"],
  buckets: ATTEMPT_SECONDS,
  registers: [registry]
})
const promRequests = new client.Counter({
  name: "herald_http_requests_total",
  help: "HTTP requests",
  labelNames: ["route", "method", "status"],
  registers: [registry]
})
const promRequestDuration = new client.Histogram({
  name: "herald_http_request_duration_seconds",
  help: "HTTP request duration",
  labelNames: ["route", "method"],
  buckets: REQUEST_SECONDS,
  registers: [registry]
})

/** Median, min and max of `repeats` measurements of `measure`. */
const repeated = async (measure: () => number | Promise<number>) => {
  const values: Array<number> = []
  for (let i = 0; i < repeats; i++) values.push(await measure())
  values.sort((a, b) => a - b)
  return { median: values[Math.floor(values.length / 2)]!, min: values[0]!, max: values[values.length - 1]! }
}

/** Nanoseconds per call of `update(i)`, over `updates` calls after a warm-up of a tenth of them. */
const perUpdate = (update: (i: number) => void) => () => {
  for (let i = 0; i < updates / 10; i++) update(i)
  const started = process.hrtime.bigint()
  for (let i = 0; i < updates; i++) update(i)
  return Number(process.hrtime.bigint() - started) / updates
}

/** Milliseconds per scrape, over `scrapes` scrapes after a warm-up of a tenth of them. */
const perScrape = (scrape: () => Promise<string>) => async () => {
  for (let i = 0; i < scrapes / 10; i++) await scrape()
  const started = process.hrtime.bigint()
  for (let i = 0; i < scrapes; i++) await scrape()
  return Number(process.hrtime.bigint() - started) / scrapes / 1e6
}

const line = (name: string, figure: { median: number; min: number; max: number }, unit: string, digits: number) =>
  process.stdout.write(
    `${name.padEnd(62)} ${figure.median.toFixed(digits).padStart(8)} ${unit}  (${figure.min.toFixed(digits)}-${figure.max.toFixed(digits)})\n`
  )

const main = async () => {
  process.stdout.write(`node ${process.version}; ${updates} updates, ${scrapes} scrapes, ${repeats} repeats (median, range)\n\nUpdate cost\n`)
  const profile = (i: number) => PROFILES[i % 3]!
  const kind = (i: number) => FAILURE_KINDS[i % 9]!
  const updateCases: ReadonlyArray<readonly [string, (i: number) => void]> = [
    ["Effect counter, pre-labelled, unsafeUpdate", (i) => effectAttempts[i % 3]![i % 9]!.unsafeUpdate(1, [])],
    ["Herald's Metrics.attempted (label lookup + update)", (i) => Metrics.attempted({ profile: profile(i), result: resultOf(kind(i)), failure_kind: kind(i) })],
    ["prom-client counter.labels(...).inc()", (i) => promAttempts.labels(profile(i), resultOf(kind(i)), kind(i)).inc()],
    ["prom-client counter.inc({ labels })", (i) => promAttempts.inc({ profile: profile(i), result: resultOf(kind(i)), failure_kind: kind(i) })],
    ["Effect histogram, pre-labelled, unsafeUpdate", (i) => effectDurations[i % 3]!.unsafeUpdate((i % 1000) / 1000, [])],
    ["Herald's Metrics.attemptDuration (label lookup + update)", (i) => Metrics.attemptDuration({ profile: profile(i) }, (i % 1000) / 1000)],
    ["prom-client histogram.labels(...).observe()", (i) => promDuration.labels(profile(i)).observe((i % 1000) / 1000)]
  ]
  for (const [name, update] of updateCases) line(name, await repeated(perUpdate(update)), "ns", 1)

  // The HTTP families, every series once on both sides: what makes the exposition about 900 lines.
  for (const route of ROUTES) {
    for (const method of METHODS) {
      for (const status of STATUSES) {
        Metrics.request({ route, method, status })
        promRequests.labels(route, method, status).inc()
      }
      Metrics.requestDuration({ route, method }, 0.01)
      promRequestDuration.labels(route, method).observe(0.01)
    }
  }
  // Every scrape renders: the API and the worker answer repeated scrapes from one rendering a second (CacheTtl).
  const render = await Effect.runPromise(Exposition.make(Option.none()).pipe(Effect.provideService(Exposition.CacheTtl, Duration.zero)))
  const scrapeOtel = () => Effect.runPromise(render)
  const scrapeProm = () => registry.metrics()
  const lines = (text: string) => text.split("\n").filter((l) => l !== "").length
  const [otelText, promText] = [await scrapeOtel(), await scrapeProm()]
  process.stdout.write(`\nScrape cost (Herald's exposition: ${lines(otelText)} lines, ${otelText.length} B; prom-client's: ${lines(promText)} lines, ${promText.length} B)\n`)
  line("OpenTelemetry PrometheusExporter + Serializer (Exposition)", await repeated(perScrape(scrapeOtel)), "ms", 2)
  line("prom-client registry.metrics()", await repeated(perScrape(scrapeProm)), "ms", 2)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exit(1)
})
