/**
 * A worker's operations port: what a process without the API answers for its operators, on a
 * server of its own (`HERALD_METRICS_PORT`): `GET /healthz` (liveness), `GET /readyz` (its stores
 * and queue answer: `Readiness.check`) and `GET /metrics` (`Exposition`), the same answers as the
 * API's routes of those paths. Nothing else is served, and nothing needs an API key: bind it where
 * only the scraper and the orchestrator reach it.
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, type HttpServerError, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { DeliveryQueue, Metrics, Readiness } from "@herald/core"
import { Effect, Layer } from "effect"
import * as Exposition from "./metrics/Exposition.js"

/** Where the operations port listens. */
export interface ListenOptions {
  readonly port: number
  readonly host: string
}

/** The routes: health and readiness always, the metrics when they are recorded (`Metrics.Enabled`). */
const router = (metrics: boolean) =>
  Effect.gen(function*() {
    const health = HttpRouter.empty.pipe(
      HttpRouter.get("/healthz", HttpServerResponse.json({ status: "ok" })),
      HttpRouter.get(
        "/readyz",
        Effect.flatMap(Readiness.check(), ({ dependencies, ready }) =>
          HttpServerResponse.json(
            { status: ready ? "ready" : "unavailable", dependencies },
            { status: ready ? 200 : 503 }
          ))
      )
    )
    if (!metrics) return health
    const render = yield* Exposition.make(yield* Effect.serviceOption(DeliveryQueue.DeliveryQueue))
    return HttpRouter.get(health, Exposition.PATH, Exposition.respond(render, yield* Exposition.Token))
  })

/**
 * Serves the operations routes on a Node HTTP server of their own at `options`, and says where
 * (a line that names the port as the operations port, unlike the API's).
 */
export const layer = (options: ListenOptions): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const metrics = yield* Metrics.Enabled
      const routes = yield* router(metrics)
      const said = Layer.effectDiscard(
        HttpServer.addressFormattedWith((address) =>
          Effect.logInfo(`operations port listening on ${address}: /healthz, /readyz${metrics ? ", /metrics" : ""}`)
        )
      )
      return HttpServer.serve(Effect.catchTag(routes, "RouteNotFound", () => HttpServerResponse.empty({ status: 404 }))).pipe(
        Layer.merge(said),
        Layer.provideMerge(NodeHttpServer.layer(() => createServer(), options))
      )
    })
  )
