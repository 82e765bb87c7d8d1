/**
 * Herald's metrics (`@herald/core`'s `Metrics`, and any other Effect metric of the process) in
 * Prometheus' text format, as `GET /metrics` answers them on the API and on a worker's operations
 * port.
 *
 * The exporter is OpenTelemetry's Prometheus exporter fed by `@effect/opentelemetry`'s producer,
 * which reads Effect's metric registry when asked: nothing runs between scrapes, and the updates
 * themselves stay Effect's. Measured against `prom-client`, the other candidate, with Herald's
 * families, about 900 lines (`bench/dist/tools/metricsExporters.js`): a scrape costs 1.9 ms here
 * and 0.6 ms there, once per scrape; an update costs 9-47 ns pre-labelled here (160-240 ns through
 * Herald's lookup by labels) against prom-client's 315-390 ns; and prom-client would have had to
 * copy Effect's registry at every scrape, while the OpenTelemetry packages are the traces' anyway.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { HttpApiBuilder, type HttpApi, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { type DeliveryQueue, Metrics } from "@herald/core"
import { Context, Duration, Effect, type Layer, Option, Redacted } from "effect"
import type * as Routes from "../edge/Routes.js"

/** Where the metrics are served. */
export const PATH = "/metrics"

/** The route, for `Routes` (beside the contract). */
export const routes: ReadonlyArray<Routes.Route> = [{ method: "GET", path: PATH }]

/** Prometheus' text exposition format, version 0.0.4. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

/** The rendering of the process's metrics: the queue's gauges read first, when there is a queue. */
export type Render = Effect.Effect<string>

/**
 * How long a rendering answers the scrapes after it: a second by default, so that a scraper (or
 * anyone) asking again and again costs one look at the queue and one rendering per second, however
 * often it asks. Zero renders every scrape (tests that read a counter right after moving it).
 */
export class CacheTtl extends Context.Reference<CacheTtl>()("@herald/http/metrics/Exposition/CacheTtl", {
  defaultValue: (): Duration.Duration => Duration.seconds(1)
}) {}

/**
 * The token `GET /metrics` requires as `Authorization: Bearer <token>`, if any; none by default
 * (like `/healthz`: keep the path off a public load balancer, or set one).
 */
export class Token extends Context.Reference<Token>()("@herald/http/metrics/Exposition/Token", {
  defaultValue: (): Option.Option<Redacted.Redacted<string>> => Option.none()
}) {}

/**
 * The exporter's modules, loaded when a process first serves its metrics rather than by every
 * process that loads this package (a command, say): they take a tenth of a second to load.
 */
const exporterModules = Effect.promise(async () => {
  const [OtelMetrics, OtelResource, Prometheus] = await Promise.all([
    import("@effect/opentelemetry/Metrics"),
    import("@effect/opentelemetry/Resource"),
    import("@opentelemetry/exporter-prometheus")
  ])
  return { OtelMetrics, OtelResource, Prometheus }
})

/**
 * Makes the renderer of this process's metrics, observing `queue`'s depth at each rendering (at
 * most once per `CacheTtl`). One exporter per renderer; all of them read the same registry.
 */
export const make = (queue: Option.Option<DeliveryQueue.DeliveryQueueShape>): Effect.Effect<Render> =>
  Effect.gen(function*() {
    const { OtelMetrics, OtelResource, Prometheus } = yield* exporterModules
    const producer = yield* OtelMetrics.makeProducer.pipe(Effect.provide(OtelResource.layer({ serviceName: "herald" })))
    const exporter = new Prometheus.PrometheusExporter({ preventServerStart: true })
    exporter.setMetricProducer(producer)
    // Scope and target info are labels and a series that say only "Herald" here.
    const serializer = new Prometheus.PrometheusSerializer(undefined, false, undefined, true, true)
    const observe = Option.match(queue, { onNone: () => Effect.void, onSome: (queue) => Metrics.observeQueue(queue) })
    const render = observe.pipe(
      Effect.zipRight(Effect.promise(() => exporter.collect())),
      Effect.map(({ resourceMetrics }) => serializer.serialize(resourceMetrics))
    )
    const ttl = yield* CacheTtl
    return Duration.isZero(ttl) ? render : yield* Effect.cachedWithTTL(render, ttl)
  })

const digest = (text: string) => createHash("sha256").update(text).digest()

/** Whether `authorization` is `Bearer <token>`, compared in constant time. */
const authorized = (token: Redacted.Redacted<string>, authorization: string | undefined): boolean => {
  const sent = authorization?.startsWith("Bearer ") === true ? authorization.slice("Bearer ".length) : ""
  return timingSafeEqual(digest(sent), digest(Redacted.value(token)))
}

/** The response to a scrape: the metrics, or a 401 when `token` is set and the request does not carry it. */
export const respond = (render: Render, token: Option.Option<Redacted.Redacted<string>>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Option.isSome(token) && !authorized(token.value, request.headers["authorization"])
      ? Effect.succeed(HttpServerResponse.text("Unauthorized: /metrics needs its bearer token\n", {
        status: 401,
        headers: { "www-authenticate": "Bearer" }
      }))
      : Effect.map(render, (text) => HttpServerResponse.text(text, { contentType: CONTENT_TYPE })))

/** `GET /metrics` beside the contract, rendered by `render`, behind `token` if any. */
export const layer = (render: Render, token: Option.Option<Redacted.Redacted<string>>): Layer.Layer<never, never, HttpApi.Api> =>
  HttpApiBuilder.Router.use((router) => router.get(PATH, respond(render, token)))
