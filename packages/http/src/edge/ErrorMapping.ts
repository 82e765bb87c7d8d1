/**
 * The one place errors become wire bodies: domain errors from the core, and the
 * framework's own failures (payload decode errors, unknown routes, unreadable
 * bodies, defects). Each profile answers in its own error shape, chosen by the
 * request path: a path under one of a registered profile's prefixes gets that
 * profile's, every other path (Herald's native endpoints, unknown ones) the
 * default profile's (`HttpProfile.ofPath`).
 *
 * A path the router has no route for with this method, but does serve for
 * others, is a 405 with `Allow` (an OPTIONS request, a 204 with `Allow`): the
 * router says only "not found", so the methods come from `Routes`.
 */
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { Errors } from "@herald/core"
import { Cause, Effect, Option } from "effect"
import { classify, type ErrorResponder, type FrameworkFailure, type Reply, reportOfInvalidInput } from "./FrameworkFailure.js"
import * as HttpProfile from "../profiles/HttpProfile.js"
import type { Routes } from "./Routes.js"
import * as WireError from "../profiles/datagrid/Errors.js"

type DomainError =
  | Errors.InvalidInput
  | Errors.WebhookNotFound
  | Errors.EventNotFound
  | Errors.EventConflict
  | Errors.EventDataTooLarge

const toWire = (error: DomainError) => {
  switch (error._tag) {
    case "InvalidInput":
      return WireError.invalidInput(reportOfInvalidInput(error))
    case "WebhookNotFound":
    case "EventNotFound":
      return WireError.notFound(error.message)
    case "EventConflict":
      return WireError.conflict(error.message)
    case "EventDataTooLarge":
      return WireError.payloadTooLarge(error.message, "Publish less data, e.g. an id the receiver can fetch the rest with.")
  }
}

/** The wire error each domain error becomes, so a handler declares only those it can produce. */
type WireOf<E> = E extends Errors.InvalidInput ? WireError.BadRequest
  : E extends Errors.WebhookNotFound | Errors.EventNotFound ? WireError.NotFound
  : E extends Errors.EventConflict ? WireError.Conflict
  : E extends Errors.EventDataTooLarge ? WireError.PayloadTooLarge
  : never

/** Maps a handler's domain errors to the Datagrid profile's wire errors. */
export const mapDomainErrors = <A, E extends DomainError, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, WireOf<E>, R> =>
  Effect.mapError(effect, (error) => toWire(error) as WireOf<E>)

const respond = (
  profiles: HttpProfile.Registry,
  reply: (responder: ErrorResponder, request: HttpServerRequest.HttpServerRequest) => Reply
) =>
  Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
    const { body, status } = reply(HttpProfile.ofPath(profiles, request.url).errors, request)
    return HttpServerResponse.unsafeJson(body, { status })
  })

const answer = (profiles: HttpProfile.Registry, failure: FrameworkFailure) =>
  respond(profiles, (responder, request) => responder.framework(failure, request))

/** A request the router found no route for: a 405 where its path is served for other methods, else a 404. */
const unrouted = (routes: Routes, profiles: HttpProfile.Registry) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const allow = routes.allowedMethods(request.url)
    if (allow.length === 0) return answer(profiles, { _tag: "RouteNotFound" })
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
 * registry's (`Profiles.all`).
 */
export const layer = (routes: Routes, profiles: HttpProfile.Registry) =>
  HttpApiBuilder.middleware((app) =>
    app.pipe(
      Effect.catchSome((error) =>
        Option.map(
          Option.fromNullable(classify(error)),
          (failure) => failure._tag === "RouteNotFound" ? unrouted(routes, profiles) : answer(profiles, failure)
        )
      ),
      Effect.catchAllDefect((defect) => {
        const known = classify(defect)
        return known !== undefined
          ? answer(profiles, known)
          : Effect.logError("request failed with a defect", Cause.die(defect)).pipe(
            Effect.zipRight(respond(profiles, (responder) => responder.internal()))
          )
      })
    )
  )
