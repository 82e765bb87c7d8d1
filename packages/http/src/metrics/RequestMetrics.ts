/**
 * The HTTP API's request metrics: each answered request counted by route template, method and
 * status (`herald_http_requests_total`), and timed (`herald_http_request_duration_seconds`). The
 * route is the template the router matched (`/v1/webhooks/:webhook_id`, never the id), `unmatched` for a
 * URL no route serves, so the labels stay bounded whatever clients send; an unknown method is
 * `other`. Applied outermost, with the request log, so that it sees every response, a refusal by
 * any stage of the edge included.
 */
import { type HttpApp, HttpServerError, HttpServerRequest } from "@effect/platform"
import { Metrics } from "@herald/core"
import { Effect, Exit } from "effect"
import * as Mount from "../edge/Mount.js"
import type * as Routes from "../edge/Routes.js"

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

/** The status an exit answers with, as the server will send it. */
const statusOf = <E>(exit: Exit.Exit<{ readonly status: number }, E>): number =>
  Exit.isSuccess(exit) ? exit.value.status : HttpServerError.causeResponseStripped(exit.cause)[0].status

/**
 * The middleware counting and timing the requests of an API whose routes are `routes`, mounted
 * under `prefix` ("" at the root; a URL outside it is unmatched).
 */
export const middleware = (routes: Routes.Routes, prefix: string) => <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const started = performance.now()
    return Effect.onExit(app, (exit) =>
      Effect.sync(() => {
        const method = METHODS.has(request.method) ? request.method : "other"
        const path = Mount.strip(prefix, request.url)
        const route = (path === undefined ? undefined : routes.template(request.method, path)) ?? "unmatched"
        Metrics.request({ route, method, status: String(statusOf(exit)) })
        Metrics.requestDuration({ route, method }, (performance.now() - started) / 1000)
      }))
  })
