/**
 * Herald's metrics, defined once with Effect's `Metric` API, so that every process composed from
 * the library records them: the apps export them in Prometheus' text format at `GET /metrics`
 * (`@herald/http`'s `MetricsExposition`), and an embedding application reads them from Effect's
 * metric registry like its own.
 *
 * Labels hold bounded values only (profiles, outcomes, failure kinds, route templates, states):
 * never a webhook or event id, a URL or a teamspace, which would make one series per customer.
 *
 * Recording is a lookup of the labelled metric by its labels' values and its update (0.2 µs
 * each, about 1 µs per delivery): the services read `Enabled` once when they are built and update
 * the metrics in code that already runs, adding no Effect operation to a delivery (a request gets
 * two, the request metrics' middleware). The bench measures it with metrics on and off: within its
 * noise, and under 1% of each process's CPU in the profiles (BENCHMARKS.md, Metrics).
 */
import { Context, Duration, Effect, Metric, MetricBoundaries, MetricKey, MetricLabel } from "effect"
import type { FailureKind } from "./Attempt.js"
import type { DeliveryQueueShape } from "./DeliveryQueue.js"

/** Whether this composition records metrics (true unless turned off: `HERALD_METRICS=off`). */
export class Enabled extends Context.Reference<Enabled>()("@herald/core/Metrics/Enabled", {
  defaultValue: () => true
}) {}

type Labels = Readonly<Record<string, string>>

/** A metric that takes numbers, whatever its type. */
type NumberMetric = Metric.Metric<unknown, number, unknown>

/**
 * A metric family: one metric per combination of label values, made on first use and kept (the
 * values are bounded, so is the map), so an update is a map lookup and the metric's own update.
 */
const family = (key: () => MetricKey.MetricKey.Untyped) => {
  const made = new Map<string, NumberMetric>()
  return (labels: Labels): NumberMetric => {
    const id = Object.values(labels).join("\u0000")
    let metric = made.get(id)
    if (metric === undefined) {
      const labelled = MetricKey.taggedWithLabels(
        key(),
        Object.entries(labels).map(([name, value]) => MetricLabel.make(name, value))
      )
      metric = Metric.fromMetricKey(labelled) as NumberMetric
      made.set(id, metric)
    }
    return metric
  }
}

const counter = (name: string, description: string) => {
  const of = family(() => MetricKey.counter(name, { description, incremental: true }))
  return (labels: Labels = {}, by = 1): void => of(labels).unsafeUpdate(by, [])
}

const histogram = (name: string, description: string, boundaries: ReadonlyArray<number>) => {
  const of = family(() => MetricKey.histogram(name, MetricBoundaries.fromIterable(boundaries), description))
  return (labels: Labels, value: number): void => of(labels).unsafeUpdate(value, [])
}

const gauge = (name: string, description: string) => {
  const of = family(() => MetricKey.gauge(name, { description }))
  return (labels: Labels, value: number): void => of(labels).unsafeUpdate(value, [])
}

/** Seconds, from a few milliseconds (a receiver on the same network) to the delivery timeout. */
const ATTEMPT_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
/** Seconds, from a first attempt on an idle queue to a delivery that took a day of retries. */
const LATENCY_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400]
/** Seconds an HTTP request took. */
const REQUEST_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Webhooks an event was delivered to. */
const FANOUT_SIZES = [0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000]

/** Each delivery attempt, by the webhook's profile and its result (`success`, or `failure` and why). */
export const attempted = counter(
  "herald_delivery_attempts_total",
  "Delivery attempts, by profile, result (success or failure) and failure kind (none on success)"
)

/** How a delivery ended: `delivered`, `given_up` (retries exhausted or endpoint disabled) or `dropped`. */
export type Ending = "delivered" | "given_up" | "dropped"

/** A delivery ending, by profile ("unknown" when its webhook is gone). */
export const ended = counter(
  "herald_deliveries_total",
  "Deliveries ended, by profile and outcome: delivered, given_up (no attempt left, or endpoint disabled), dropped (event or webhook gone, webhook disabled or unsubscribed)"
)

/** How long an attempt's request took, by profile. */
export const attemptDuration = histogram(
  "herald_delivery_attempt_duration_seconds",
  "Time from sending a delivery attempt to its response or failure, by profile",
  ATTEMPT_SECONDS
)

/** From the event's creation to the receiver's 2xx, by profile. */
export const deliveryLatency = histogram(
  "herald_delivery_latency_seconds",
  "Time from an event's publish to a receiver's 2xx for it, retries included, by profile",
  LATENCY_SECONDS
)

/** Records one attempt's result and duration, and, on a 2xx, how late it came. */
export const recordAttempt = (
  profile: string,
  failure: FailureKind | null,
  durationMs: number,
  latencyMs: number | undefined
): void => {
  attempted({ profile, result: failure === null ? "success" : "failure", failure_kind: failure ?? "none" })
  attemptDuration({ profile }, durationMs / 1000)
  if (latencyMs !== undefined) deliveryLatency({ profile }, Math.max(0, latencyMs) / 1000)
}

/** Events stored by a publish (a repeated publish of a stored event is not counted again). */
export const published = counter("herald_events_published_total", "Events published and stored")

/** How many webhooks an event's fan-out reached. */
export const fanOutSize = histogram(
  "herald_fanout_webhooks",
  "Webhooks an event was fanned out to, observed when its fan-out finishes",
  FANOUT_SIZES
)

/** A webhook disabled by its endpoint's health: `gone` (a 410) or `failing` (a failure streak). */
export const endpointDisabled = counter(
  "herald_endpoints_disabled_total",
  "Webhooks disabled by their endpoint's health, by reason: gone (410 Gone) or failing (failures past the health policy)"
)

/** Pending jobs by state, as the queue last reported them (set when `/metrics` is read). */
export const queueJobs = gauge("herald_queue_jobs", "Jobs in the delivery queue, by state: waiting, delayed, active, failed")

/** How long the next due job has waited (the stall detector), as the queue last reported it. */
export const oldestWaiting = gauge(
  "herald_queue_oldest_waiting_seconds",
  "How long the job next in line has been due without running (0 with none waiting)"
)

const QUEUE_STATES = ["waiting", "delayed", "active", "failed"] as const

/**
 * Sets the queue's gauges from what `queue` reports now (`DeliveryQueue.depth`), given `timeout`:
 * run when the metrics are read, so a scrape costs one look at the queue and no process polls it
 * otherwise. A queue that cannot say, or does not answer, leaves them as they were (and its
 * failure is counted and logged).
 */
export const observeQueue = (
  queue: DeliveryQueueShape,
  timeout: Duration.DurationInput = Duration.seconds(2)
): Effect.Effect<void> =>
  queue.depth === undefined ? Effect.void : queue.depth.pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => `no answer within ${Duration.format(timeout)}` }),
    Effect.tap((depth) =>
      Effect.sync(() => {
        for (const state of QUEUE_STATES) queueJobs({ state }, depth[state])
        oldestWaiting({}, depth.oldestWaitingMs / 1000)
      })
    ),
    Effect.asVoid,
    // Unknown, not stale: a value kept from before the outage would neither fire nor resolve an
    // alert on it, and the store error is what says why.
    Effect.catchAllCause((cause) =>
      Effect.zipRight(
        Effect.sync(() => {
          storeError({ backend: "queue" })
          for (const state of QUEUE_STATES) queueJobs({ state }, Number.NaN)
          oldestWaiting({}, Number.NaN)
        }),
        Effect.logWarning("metrics: the queue's depth could not be read", cause)
      )
    )
  )

const ATTEMPT_RESULTS: ReadonlyArray<readonly [string, FailureKind | "none"]> = [
  ["success", "none"],
  ...(["timeout", "connection", "dns", "tls", "blocked", "redirect", "http_status", "other"] as const).map((kind) =>
    ["failure", kind] as const
  )
]

/**
 * The counters every process has, at 0 until they count: a series that first appears at 1 is an
 * increase no `increase()` sees, so the first webhook disabled, store error or replay would never
 * fire an alert. Run by `Publisher` (in every process) when metrics are recorded.
 */
export const initializeProcess = (): void => {
  published({}, 0)
  for (const reason of ["gone", "failing"]) endpointDisabled({ reason }, 0)
  for (const backend of ["redis", "postgres", "queue"]) storeError({ backend }, 0)
  idempotentReplay({}, 0)
}

/** The delivery counters of `profiles`, at 0 until they count (see `initializeProcess`); run by the `Dispatcher`. */
export const initializeDeliveries = (profiles: ReadonlyArray<string>): void => {
  for (const profile of profiles) {
    for (const [result, kind] of ATTEMPT_RESULTS) attempted({ profile, result, failure_kind: kind }, 0)
    for (const outcome of ["delivered", "given_up", "dropped"]) ended({ profile, outcome }, 0)
  }
}

/** Each answered HTTP request, by route template, method and status. */
export const request = counter(
  "herald_http_requests_total",
  "HTTP requests answered, by route template (unmatched for no route), method and status"
)

/** How long each HTTP request took, by route template and method. */
export const requestDuration = histogram(
  "herald_http_request_duration_seconds",
  "Time from an HTTP request's arrival to its response, by route template and method",
  REQUEST_SECONDS
)

/** A request refused by a rate limit, by which limit. */
export const rateLimited = counter(
  "herald_rate_limit_refusals_total",
  "Requests refused with a 429 by a rate limit, by limit"
)

/** A request answered from the idempotency store. */
export const idempotentReplay = counter(
  "herald_idempotent_replays_total",
  "Requests with an Idempotency-Key answered with the stored response of their first run"
)

/**
 * A failed call to a store (`redis`, `postgres`), or an error of the queue's connection or
 * workers (`queue`). Counted whether or not `Enabled`: only the hot path's metrics are optional.
 */
export const storeError = counter(
  "herald_store_errors_total",
  "Failed calls to a store, by backend: redis, postgres, or queue (BullMQ's connection and workers)"
)
