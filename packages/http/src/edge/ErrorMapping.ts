/**
 * The one place the framework's own failures (payload decode errors, unknown
 * routes, unreadable bodies, defects) become wire bodies; each profile maps its
 * handlers' domain errors itself (`mapDomainErrors` in its `Errors`). Each
 * profile answers in its own error shape, chosen by the request path: a path
 * under one of a registered profile's prefixes gets that profile's, every other
 * path (Herald's native endpoints, unknown ones) the default profile's
 * (`HttpProfile.ofPath`).
 *
 * A path the router has no route for with this method, but does serve for
 * others, is a 405 with `Allow` (an OPTIONS request, a 204 with `Allow`): the
 * router says only "not found", so the methods come from `Routes`.
 */
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, FiberRef, Option } from "effect"
import { type Answered, classify, type ErrorResponder, type FrameworkFailure, type Reply } from "./FrameworkFailure.js"
import * as RequestIds from "../contract/RequestId.js"
import * as HttpProfile from "../profiles/HttpProfile.js"
import type { Routes } from "./Routes.js"

const respond = (
  profiles: HttpProfile.Registry,
  reply: (responder: ErrorResponder, request: Answered) => Reply
) =>
  Effect.zipWith(HttpServerRequest.HttpServerRequest, FiberRef.get(RequestIds.current), (request, requestId) => {
    const answered = { method: request.method, url: request.url, requestId }
    const { body, status } = reply(HttpProfile.ofPath(profiles, request.url).errors, answered)
    return HttpServerResponse.unsafeJson(body, { status })
  })

const answer = (profiles: HttpProfile.Registry, failure: FrameworkFailure) =>
  respond(profiles, (responder, request) => responder.framework(failure, request))

/**
 * A request the router found no route for: a 405 where its path is served for
 * other methods, else a 404 pointing to the docs (under `under`, where the API
 * is mounted).
 */
const unrouted = (routes: Routes, profiles: HttpProfile.Registry, under: string) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const allow = routes.allowedMethods(request.url)
    if (allow.length === 0) return answer(profiles, { _tag: "RouteNotFound", under })
    const header = { allow: allow.join(", ") }
    return request.method === "OPTIONS"
      ? Effect.succeed(HttpServerResponse.empty({ status: 204, headers: header }))
      : Effect.map(
        answer(profiles, { _tag: "MethodNotAllowed", method: request.method, allow }),
        HttpServerResponse.setHeaders(header)
      )
  })

/**
 * Framework failures, answered before HttpApi's own encoder sees them (which
 * would use its `HttpApiDecodeError` shape or an empty body); anything else
 * unexpected is a logged 500 in the profile's shape. `profiles` are the
 * registry's (`Profiles.all`); `under` is the path prefix the API is mounted
 * under ("" at the root, `Mount`).
 */
export const layer = (routes: Routes, profiles: HttpProfile.Registry, under: string) =>
  HttpApiBuilder.middleware((app) =>
    app.pipe(
      Effect.catchSome((error) =>
        Option.map(
          Option.fromNullable(classify(error)),
          (failure) => failure._tag === "RouteNotFound" ? unrouted(routes, profiles, under) : answer(profiles, failure)
        )
      ),
      Effect.catchAllDefect((defect) => {
        const known = classify(defect)
        return known !== undefined
          ? answer(profiles, known)
          : Effect.logError("request failed with a defect", Cause.die(defect)).pipe(
            Effect.zipRight(respond(profiles, (responder, request) => responder.internal(request)))
          )
      })
    )
  )
