/**
 * The one place errors become wire bodies: domain errors from the core, and the
 * framework's own failures (payload decode errors, unknown routes, unreadable
 * bodies, defects), so that every error a client sees has the same shape.
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import type { Errors } from "@herald/core"
import { Cause, Effect } from "effect"
import {
  badRequest,
  conflict,
  type ErrorBody,
  internalError,
  notFound
} from "./WireError.js"

type DomainError = Errors.InvalidInput | Errors.WebhookNotFound | Errors.EventNotFound | Errors.EventConflict

const toWire = (error: DomainError) => {
  switch (error._tag) {
    case "InvalidInput":
      return badRequest(error.message, {
        issues: error.issues.map((issue) => ({ path: issue.path, message: issue.message }))
      })
    case "WebhookNotFound":
    case "EventNotFound":
      return notFound(error.message)
    case "EventConflict":
      return conflict(error.message)
  }
}

/** Maps a handler's domain errors to the profile's wire errors. */
export const mapDomainErrors = <A, E extends DomainError, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.mapError(effect, toWire)

const respond = (body: ErrorBody) => HttpServerResponse.unsafeJson(body, { status: body.status_code })

interface DecodeIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

const describeIssue = (issue: DecodeIssue): string =>
  issue.path.length === 0 ? issue.message : `${issue.path.map(String).join(".")}: ${issue.message}`

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

/**
 * The client-caused failures the framework raises itself, as error bodies. They
 * arrive as failures (decode errors, unknown routes) or as defects (a body that
 * is not JSON), so both paths use this.
 */
const fromFramework = (error: unknown): ErrorBody | undefined => {
  switch (tagOf(error)) {
    case "HttpApiDecodeError": {
      const issues = (error as { readonly issues: ReadonlyArray<DecodeIssue> }).issues
      return badRequest(issues.map(describeIssue).join("; ") || "The request is invalid", {
        issues: issues.map((issue) => ({
          path: issue.path.map((part) => typeof part === "number" ? part : String(part)),
          message: issue.message
        }))
      })
    }
    case "RouteNotFound":
      return notFound("No such endpoint")
    case "RequestError":
      return (error as { readonly reason: string }).reason === "Decode"
        ? badRequest("The request body is not valid JSON")
        : badRequest("The request could not be read")
    default:
      return undefined
  }
}

/**
 * Framework failures, answered before HttpApi's own encoder sees them (which
 * would use its `HttpApiDecodeError` shape or an empty body); anything else
 * unexpected is a logged 500 in the same shape.
 */
export const layer = HttpApiBuilder.middleware((app) =>
  app.pipe(
    Effect.catchIf(
      (error) => fromFramework(error) !== undefined,
      (error) => Effect.succeed(respond(fromFramework(error)!))
    ),
    Effect.catchAllDefect((defect) => {
      const known = fromFramework(defect)
      return known !== undefined
        ? Effect.succeed(respond(known))
        : Effect.logError("request failed with a defect", Cause.die(defect)).pipe(Effect.as(respond(internalError())))
    })
  )
)
