/**
 * The Exa websets profile's error bodies. Exa documents an error as a
 * human-readable `error`, a machine-readable `tag` and a `requestId`. exa-js
 * turns any non-2xx into an `ExaError` whose message is the body's `error`
 * (followed by `message` when there is one: we send none, so nothing is said
 * twice) and whose status is `statusCode` or else the response status.
 */
import { HttpApiSchema } from "@effect/platform"
import type { Errors } from "@herald/core"
import { Effect, FiberRef, Schema } from "effect"
import * as Failure from "../../edge/FrameworkFailure.js"
import type { Report } from "../../contract/InputIssues.js"
import type { Refusals } from "../../edge/Protection.js"
import * as RateLimiting from "../../edge/RateLimiting.js"
import * as RequestIds from "../../contract/RequestId.js"
import * as Scopes from "../../edge/Scopes.js"

/** The machine-readable codes Herald sends. */
export type ExaTag =
  | "INVALID_REQUEST"
  | "INVALID_REQUEST_BODY"
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "WEBHOOK_NOT_FOUND"
  | "EVENT_NOT_FOUND"
  | "INTERNAL_ERROR"
  | "IDEMPOTENCY_KEY_IN_USE"
  | "IDEMPOTENCY_KEY_REUSED"
  | "FORBIDDEN"
  | "RATE_LIMIT_EXCEEDED"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"

// The literal status makes each class's encoding accept only its own bodies:
// HttpApi encodes an error with the first schema of the union that accepts it.
const fields = <const Status extends number>(status: Status) => ({
  statusCode: Schema.Literal(status).annotations({ description: "The HTTP status code." }),
  error: Schema.String.annotations({ description: "A human-readable error message." }),
  tag: Schema.String.annotations({ description: "A machine-readable error code, e.g. `INVALID_REQUEST_BODY`." }),
  requestId: Schema.String.annotations({ description: "This request's id." }),
  details: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
    description:
      "For invalid requests: `issues` (the first few), each with the `path` of the offending field and a `message`, and `issueCount`, how many there were."
  }))
})

const make = <Self>() => <const Tag extends string, const Status extends number>(identifier: Tag, status: Status) =>
  Schema.Class<Self>(identifier)(fields(status), HttpApiSchema.annotations({ status, identifier }))

/** Exa's 400 body: invalid input, its issues in `details`. */
export class ExaBadRequest extends make<ExaBadRequest>()("ExaBadRequest", 400) {}
/** Exa's 401 body: a missing or unknown API key. */
export class ExaUnauthorized extends make<ExaUnauthorized>()("ExaUnauthorized", 401) {}
/** Exa's 403 body: a scope the key lacks. */
export class ExaForbidden extends make<ExaForbidden>()("ExaForbidden", 403) {}
/** Exa's 404 body: an unknown webhook, event or route. */
export class ExaNotFound extends make<ExaNotFound>()("ExaNotFound", 404) {}
/** Exa's 429 body: a rate limit refusal. */
export class ExaTooManyRequests extends make<ExaTooManyRequests>()("ExaTooManyRequests", 429) {}
/** Exa's 500 body, which says nothing of the cause. */
export class ExaInternalError extends make<ExaInternalError>()("ExaInternalError", 500) {}

/**
 * An error body, with the request's id (`RequestId`: what the response's `X-Request-Id` says and
 * its log lines carry, so a customer's `ExaError.requestId` finds them); a new one where no request
 * is known.
 */
const body = <const Status extends number>(
  statusCode: Status,
  error: string,
  tag: ExaTag,
  details?: Record<string, unknown>,
  requestId: string = RequestIds.generate()
) => ({ statusCode, error, tag, requestId, ...(details === undefined ? {} : { details }) })

/** A 400 with this message and tag (and details, if any). */
export const badRequest = (
  error: string,
  tag: "INVALID_REQUEST" | "INVALID_REQUEST_BODY",
  details?: Record<string, unknown>,
  requestId?: string
) => new ExaBadRequest(body(400, error, tag, details, requestId))

/** Invalid input: the first issues in `details.issues`, and how many there were in `details.issueCount`. */
const invalidInput = (report: Report, tag: "INVALID_REQUEST" | "INVALID_REQUEST_BODY", requestId?: string) =>
  badRequest(Failure.describeIssues(report), tag, {
    issues: report.issues.map((issue) => ({ path: issue.path, message: issue.message })),
    issueCount: report.count
  }, requestId)

/** A 401 with this message. */
export const unauthorized = (error: string, requestId?: string) =>
  new ExaUnauthorized(body(401, error, "UNAUTHORIZED", undefined, requestId))

/** A 404 with this message (and tag, `NOT_FOUND` by default). */
export const notFound = (
  error: string,
  tag: "NOT_FOUND" | "WEBHOOK_NOT_FOUND" | "EVENT_NOT_FOUND" = "NOT_FOUND",
  requestId?: string
) => new ExaNotFound(body(404, error, tag, undefined, requestId))

/** The key lacks the scope the route needs. */
export const insufficientScope = (refusal: Scopes.Refusal, requestId?: string) =>
  new ExaForbidden(body(403, Scopes.describe(refusal), "FORBIDDEN", undefined, requestId))

/** The 429 of a rate limit refusal. */
export const rateLimited = (refusal: RateLimiting.Refusal, requestId?: string) =>
  new ExaTooManyRequests(
    body(429, `${RateLimiting.describe(refusal)}. ${RateLimiting.mitigation(refusal)}`, "RATE_LIMIT_EXCEEDED", undefined, requestId)
  )

/** How the Exa profile refuses for rate limits and scopes. */
export const refusals: Refusals<ExaTooManyRequests | ExaForbidden> = { rateLimited, forbidden: insufficientScope }

/** The 500 body. */
export const internalError = (requestId?: string) =>
  new ExaInternalError(body(500, "Something went wrong on our side.", "INTERNAL_ERROR", undefined, requestId))

type DomainError = Errors.InvalidInput | Errors.WebhookNotFound | Errors.EventNotFound

const toWire = (error: DomainError, requestId: string | undefined) => {
  switch (error._tag) {
    case "InvalidInput":
      return invalidInput(Failure.reportOfInvalidInput(error), "INVALID_REQUEST", requestId)
    case "WebhookNotFound":
      return notFound(error.message, "WEBHOOK_NOT_FOUND", requestId)
    case "EventNotFound":
      return notFound(error.message, "EVENT_NOT_FOUND", requestId)
  }
}

/** Maps a handler's domain errors to Exa's wire errors, with the request's id. */
export const mapDomainErrors = <A, E extends DomainError, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchAll(effect, (error) => Effect.flatMap(FiberRef.get(RequestIds.current), (id) => Effect.fail(toWire(error, id))))

const hasBody = (method: string) => method === "POST" || method === "PATCH" || method === "PUT"

const fromFramework = (failure: Failure.FrameworkFailure, method: string, id: string | undefined) => {
  switch (failure._tag) {
    case "Decode":
      return invalidInput(failure.report, hasBody(method) ? "INVALID_REQUEST_BODY" : "INVALID_REQUEST", id)
    case "RouteNotFound":
      return notFound(Failure.describeRouteNotFound(failure), "NOT_FOUND", id)
    case "MethodNotAllowed":
      return body(405, Failure.describeMethodNotAllowed(failure), "METHOD_NOT_ALLOWED", undefined, id)
    case "BodyNotJson":
      return badRequest("The request body is not valid JSON", "INVALID_REQUEST_BODY", undefined, id)
    case "BodyUnreadable":
      return badRequest("The request could not be read", "INVALID_REQUEST_BODY", undefined, id)
    case "IdempotencyKeyInvalid":
      return badRequest(Failure.describeIdempotencyFailure(failure), "INVALID_REQUEST", undefined, id)
    case "IdempotencyKeyInProgress":
      return body(409, Failure.describeIdempotencyFailure(failure), "IDEMPOTENCY_KEY_IN_USE", undefined, id)
    case "IdempotencyKeyReused":
      return body(422, Failure.describeIdempotencyFailure(failure), "IDEMPOTENCY_KEY_REUSED", undefined, id)
    case "PayloadTooLarge":
      return body(413, Failure.describeRequestLimitFailure(failure), "PAYLOAD_TOO_LARGE", undefined, id)
    case "UnsupportedMediaType":
      return body(415, Failure.describeRequestLimitFailure(failure), "UNSUPPORTED_MEDIA_TYPE", undefined, id)
  }
}

/** How the Exa profile renders framework failures and defects. */
export const responder: Failure.ErrorResponder = {
  framework: (failure, request) => {
    const error = fromFramework(failure, request.method, request.requestId)
    return { status: error.statusCode, body: error }
  },
  internal: (request) => ({ status: 500, body: internalError(request.requestId) })
}
