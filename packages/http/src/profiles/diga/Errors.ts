/**
 * The Diga profile's error bodies (seed 003). Validation errors are FastAPI's
 * 422 `{detail: [{loc, msg, type}]}`, where `loc` starts with where the bad
 * value was (`body`, `query` or `path`); every other error is Diga's
 * `ErrorResponseSchema`, `{status: "error", error_code, message}`.
 */
import { HttpApiSchema } from "@effect/platform"
import { Errors } from "@herald/core"
import { Effect, Schema } from "effect"
import * as Failure from "../../edge/FrameworkFailure.js"
import type { InputIssue, Report } from "../../contract/InputIssues.js"
import type { Refusals } from "../../edge/Protection.js"
import * as RateLimiting from "../../edge/RateLimiting.js"
import * as Scopes from "../../edge/Scopes.js"

/** One entry of FastAPI's 422 `detail`: where the bad value is, what is wrong, and the kind of error. */
export const ValidationError = Schema.Struct({
  loc: Schema.Array(Schema.Union(Schema.String, Schema.Number)).annotations({
    description: "Where the value is: `body`, `query` or `path`, then the field's path."
  }),
  msg: Schema.String,
  type: Schema.String.annotations({ description: "The kind of error, e.g. `missing`, `value_error`." })
}).annotations({ identifier: "DigaValidationError" })
/** One entry of a 422's `detail` (see the `ValidationError` schema). */
export type ValidationError = typeof ValidationError.Type

/** Diga's 422 body (FastAPI's `HTTPValidationError`): invalid input, one `detail` entry per issue. */
export class DigaUnprocessable extends Schema.Class<DigaUnprocessable>("DigaHTTPValidationError")(
  { detail: Schema.Array(ValidationError) },
  HttpApiSchema.annotations({ status: 422, identifier: "DigaHTTPValidationError", description: "Validation Error" })
) {}

// Each status has its own set of codes, so each class's encoding accepts only its
// own bodies: HttpApi encodes an error with the first schema of the union that accepts it.
const errorResponse = <const Codes extends ReadonlyArray<string>>(codes: Codes) => ({
  status: Schema.Literal("error").annotations({ description: "Always `error` for error responses." }),
  error_code: Schema.Literal(...codes).annotations({ description: "Machine-readable error code in SCREAMING_SNAKE_CASE." }),
  message: Schema.String.annotations({ description: "Human-readable error message with details." })
})

const make = <Self>() =>
<const Tag extends string, const Status extends number, const Codes extends ReadonlyArray<string>>(
  identifier: Tag,
  status: Status,
  codes: Codes,
  description: string
) => Schema.Class<Self>(identifier)(errorResponse(codes), HttpApiSchema.annotations({ status, identifier, description }))

/** Diga's 403 body: a missing or invalid API key, or a scope the key lacks. */
export class DigaForbidden extends make<DigaForbidden>()(
  "DigaForbidden",
  403,
  ["NOT_AUTHENTICATED", "INVALID_API_KEY", "INSUFFICIENT_SCOPE"],
  "Forbidden - missing or invalid API key, or a key without the scope this needs"
) {}
/** Diga's 404 body: an unknown webhook or route. */
export class DigaNotFound extends make<DigaNotFound>()(
  "DigaNotFound",
  404,
  ["WEBHOOK_NOT_FOUND", "NOT_FOUND"],
  "Not Found"
) {}
/** Diga's 409 body: an `Idempotency-Key` in use. */
export class DigaConflict extends make<DigaConflict>()(
  "DigaConflict",
  409,
  ["IDEMPOTENCY_KEY_IN_USE"],
  "Conflict - a request with this Idempotency-Key is still in progress"
) {}
/** Diga's 405 body, sent with `Allow`. */
export class DigaMethodNotAllowed extends make<DigaMethodNotAllowed>()(
  "DigaMethodNotAllowed",
  405,
  ["METHOD_NOT_ALLOWED"],
  "Method Not Allowed - see the Allow header"
) {}
/** Diga's 413 body: a body over the limit. */
export class DigaPayloadTooLarge extends make<DigaPayloadTooLarge>()(
  "DigaPayloadTooLarge",
  413,
  ["PAYLOAD_TOO_LARGE"],
  "Payload Too Large"
) {}
/** Diga's 415 body: a body that is not JSON. */
export class DigaUnsupportedMediaType extends make<DigaUnsupportedMediaType>()(
  "DigaUnsupportedMediaType",
  415,
  ["UNSUPPORTED_MEDIA_TYPE"],
  "Unsupported Media Type - the body must be JSON"
) {}
/** Diga's 429 body: a rate limit refusal. */
export class DigaTooManyRequests extends make<DigaTooManyRequests>()(
  "DigaTooManyRequests",
  429,
  ["RATE_LIMIT_EXCEEDED"],
  "Too Many Requests - see the Retry-After and X-RateLimit-* headers"
) {}
/** Diga's 500 body, which says nothing of the cause. */
export class DigaInternalError extends make<DigaInternalError>()(
  "DigaInternalError",
  500,
  ["INTERNAL_SERVER_ERROR"],
  "Internal Server Error"
) {}

/** A 422 with these `detail` entries. */
export const unprocessable = (detail: ReadonlyArray<ValidationError>) => new DigaUnprocessable({ detail })

/** A 403 with this code and message. */
export const forbidden = (code: DigaForbidden["error_code"], message: string) =>
  new DigaForbidden({ status: "error", error_code: code, message })

/** The key lacks the scope the route needs. */
export const insufficientScope = (refusal: Scopes.Refusal) => forbidden("INSUFFICIENT_SCOPE", Scopes.describe(refusal))

/** The 429 of a rate limit refusal. */
export const rateLimited = (refusal: RateLimiting.Refusal) =>
  new DigaTooManyRequests({
    status: "error",
    error_code: "RATE_LIMIT_EXCEEDED",
    message: `${RateLimiting.describe(refusal)}. ${RateLimiting.mitigation(refusal)}`
  })

/** How the Diga profile refuses for rate limits and scopes. */
export const refusals: Refusals<DigaTooManyRequests | DigaForbidden> = { rateLimited, forbidden: insufficientScope }

/** A 404 with this message (and code, `NOT_FOUND` by default). */
export const notFound = (message: string, code: DigaNotFound["error_code"] = "NOT_FOUND") =>
  new DigaNotFound({ status: "error", error_code: code, message })

/** The 500 body. */
export const internalError = () =>
  new DigaInternalError({ status: "error", error_code: "INTERNAL_SERVER_ERROR", message: "Error: Internal Server Error" })

/** The query parameters of Diga's list, so that core issues about them point at `query`. */
const QUERY_FIELDS = new Set(["after", "before", "page", "limit", "order"])

/** A core issue path in Diga's words: `events` is `subscribed_events`, with its location first. */
export const locOf = (path: ReadonlyArray<string | number>): Array<string | number> => {
  const [head, ...rest] = path
  if (head === undefined) return ["body"]
  if (typeof head === "string" && QUERY_FIELDS.has(head)) return ["query", head, ...rest]
  return ["body", head === "events" ? "subscribed_events" : head, ...rest]
}

type DomainError = Errors.InvalidInput | Errors.WebhookNotFound

const toWire = (error: DomainError) => {
  switch (error._tag) {
    case "InvalidInput": {
      const report = Failure.reportOfInvalidInput(error)
      return unprocessable([
        ...report.issues.map((issue) => ({ loc: locOf(issue.path), msg: issue.message, type: "value_error" })),
        ...more(report, ["body"])
      ])
    }
    case "WebhookNotFound":
      return notFound("Webhook not found", "WEBHOOK_NOT_FOUND")
  }
}

/** Maps a handler's domain errors to Diga's wire errors. */
export const mapDomainErrors = <A, E extends DomainError, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.mapError(effect, toWire)

/** Pydantic's names for the kinds of issue. */
const issueType = (issue: InputIssue): string => {
  switch (issue.kind) {
    case "missing":
      return "missing"
    case "unexpected":
      return "extra_forbidden"
    case "type":
      return "type_error"
    case "invalid":
      return "value_error"
  }
}

/**
 * One more entry when a report lists fewer issues than it found: FastAPI's
 * `detail` has no other place for the count.
 */
const more = (report: Report, loc: ReadonlyArray<string>): Array<ValidationError> => {
  const words = Errors.moreIssues(report.issues.length, report.count)
  return words === "" ? [] : [{ loc: [...loc], msg: `${words} (${report.count} in all)`, type: "too_many_errors" }]
}

/**
 * A decode report as validation errors. Diga's endpoints take a JSON body or
 * query parameters, never both, and path ids are checked by the handlers, so the
 * method tells where the value was.
 */
const fromDecodeReport = (report: Report, method: string): Array<ValidationError> => {
  const where = method === "GET" || method === "DELETE" ? "query" : "body"
  return [
    ...report.issues.map((issue) => ({ loc: [where, ...issue.path], msg: issue.message, type: issueType(issue) })),
    ...more(report, [where])
  ]
}

/** Where an `Idempotency-Key` problem is, in FastAPI's words. */
const IDEMPOTENCY_KEY_LOC = ["header", "idempotency-key"]

const fromFramework = (failure: Failure.FrameworkFailure, method: string) => {
  switch (failure._tag) {
    case "Decode":
      return unprocessable(fromDecodeReport(failure.report, method))
    case "RouteNotFound":
      return notFound("Not Found")
    case "MethodNotAllowed":
      return new DigaMethodNotAllowed({
        status: "error",
        error_code: "METHOD_NOT_ALLOWED",
        message: Failure.describeMethodNotAllowed(failure)
      })
    case "BodyNotJson":
      return unprocessable([{ loc: ["body"], msg: "JSON decode error", type: "json_invalid" }])
    case "BodyUnreadable":
      return unprocessable([{ loc: ["body"], msg: "The request body could not be read", type: "value_error" }])
    case "IdempotencyKeyInvalid":
      return unprocessable([{ loc: IDEMPOTENCY_KEY_LOC, msg: Failure.describeIdempotencyFailure(failure), type: "value_error" }])
    case "IdempotencyKeyInProgress":
      return new DigaConflict({
        status: "error",
        error_code: "IDEMPOTENCY_KEY_IN_USE",
        message: Failure.describeIdempotencyFailure(failure)
      })
    case "IdempotencyKeyReused":
      return unprocessable([{
        loc: IDEMPOTENCY_KEY_LOC,
        msg: Failure.describeIdempotencyFailure(failure),
        type: "idempotency_key_reused"
      }])
    case "PayloadTooLarge":
      return new DigaPayloadTooLarge({
        status: "error",
        error_code: "PAYLOAD_TOO_LARGE",
        message: Failure.describeRequestLimitFailure(failure)
      })
    case "UnsupportedMediaType":
      return new DigaUnsupportedMediaType({
        status: "error",
        error_code: "UNSUPPORTED_MEDIA_TYPE",
        message: Failure.describeRequestLimitFailure(failure)
      })
  }
}

const statusOf = (error: ReturnType<typeof fromFramework>): number =>
  error instanceof DigaUnprocessable
    ? 422
    : error instanceof DigaMethodNotAllowed
    ? 405
    : error instanceof DigaConflict
    ? 409
    : error instanceof DigaPayloadTooLarge
    ? 413
    : error instanceof DigaUnsupportedMediaType
    ? 415
    : 404

/** How the Diga profile renders framework failures (a 422 for undecodable input) and defects. */
export const responder: Failure.ErrorResponder = {
  framework: (failure, request) => {
    const error = fromFramework(failure, request.method)
    return { status: statusOf(error), body: error }
  },
  internal: () => ({ status: 500, body: internalError() })
}
