/**
 * The Datagrid profile's error bodies (also used by Herald's native paths): the
 * Datagrid seed's RateLimitError shape, generalised to every status. One class
 * per status, because HttpApi takes the status from the schema; they share one
 * set of fields. Exa's and Diga's shapes are in ExaErrors and DigaErrors.
 */
import { HttpApiSchema } from "@effect/platform"
import type { Errors } from "@herald/core"
import { Effect, Schema } from "effect"
import * as Failure from "../../edge/FrameworkFailure.js"
import { type Report, within } from "../../contract/InputIssues.js"
import type { Refusals } from "../../edge/Protection.js"
import * as RateLimiting from "../../edge/RateLimiting.js"
import * as Scopes from "../../edge/Scopes.js"

const fields = <const Status extends number, const Code extends string>(status: Status, code: Code) => ({
  status_code: Schema.Literal(status).annotations({ description: "The HTTP status code." }),
  error: Schema.Literal(code).annotations({ description: "A machine-readable error code." }),
  message: Schema.String.annotations({ description: "A human-readable error message." }),
  mitigation: Schema.optional(Schema.String.annotations({ description: "Suggested action to resolve the error." })),
  retryable: Schema.Boolean.annotations({ description: "Whether the request can be retried as it is." }),
  details: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/** Any error body. */
export interface ErrorBody {
  readonly status_code: number
  readonly error: string
  readonly message: string
  readonly mitigation?: string | undefined
  readonly retryable: boolean
  readonly details?: { readonly [key: string]: unknown } | undefined
}

/** Any error body as a schema: an error carried inside an answer (a batch's refused event). */
export const ErrorBodySchema = Schema.Struct({
  status_code: Schema.Int.annotations({ description: "The HTTP status code." }),
  error: Schema.String.annotations({ description: "A machine-readable error code." }),
  message: Schema.String.annotations({ description: "A human-readable error message." }),
  mitigation: Schema.optional(Schema.String.annotations({ description: "Suggested action to resolve the error." })),
  retryable: Schema.Boolean.annotations({ description: "Whether the request can be retried as it is." }),
  details: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
}).annotations({ identifier: "ErrorBody" })

// The literal status and code make each class's encoding accept only its own
// instances: HttpApi encodes an error with the first schema of the union that
// accepts it, and the bodies are otherwise alike.
const make = <Self>() =>
<const Tag extends string, const Status extends number, const Code extends string>(
  identifier: Tag,
  status: Status,
  code: Code
) => Schema.Class<Self>(identifier)(fields(status, code), HttpApiSchema.annotations({ status, identifier }))

/** Datagrid's 400 body (`invalid_request`), e.g. invalid input with its issues in `details`. */
export class BadRequest extends make<BadRequest>()("BadRequest", 400, "invalid_request") {}
/** Datagrid's 401 body: a missing or unknown API key. */
export class Unauthorized extends make<Unauthorized>()("Unauthorized", 401, "unauthorized") {}
/** Datagrid's 403 body: a teamspace not the key's, or a scope the key lacks. */
export class Forbidden extends make<Forbidden>()("Forbidden", 403, "forbidden") {}
/** Datagrid's 404 body: an unknown webhook, event or route. */
export class NotFound extends make<NotFound>()("NotFound", 404, "not_found") {}
/** Datagrid's 409 body: an event id reused with other content, or an `Idempotency-Key` in use. */
export class Conflict extends make<Conflict>()("Conflict", 409, "conflict") {}
/** Datagrid's 413 body: a body or event data over its limit. */
export class PayloadTooLarge extends make<PayloadTooLarge>()("PayloadTooLarge", 413, "payload_too_large") {}
/** Datagrid's 500 body, which says nothing of the cause. */
export class InternalError extends make<InternalError>()("InternalError", 500, "internal_error") {}

/** The seed's RateLimitError, exactly: the one body with the deprecated `statusCode` too. */
export class TooManyRequests extends Schema.Class<TooManyRequests>("RateLimitError")({
  status_code: Schema.Literal(429).annotations({ description: "The HTTP status code (429)." }),
  statusCode: Schema.Literal(429).annotations({
    description: "Deprecated. Use status_code instead.",
    jsonSchema: { deprecated: true }
  }),
  error: Schema.Literal("rate_limit_exceeded").annotations({
    description: "The error code identifying this as a rate limit error."
  }),
  message: Schema.String.annotations({ description: "A human-readable error message." }),
  mitigation: Schema.optional(Schema.String.annotations({ description: "Suggested action to resolve the error." })),
  retryable: Schema.Boolean.annotations({ description: "Whether the request can be retried after a delay." }),
  details: Schema.optional(Schema.Struct({
    reason: Schema.String.annotations({ description: "A detailed explanation of why the rate limit was exceeded." })
  }))
}, HttpApiSchema.annotations({
  status: 429,
  identifier: "RateLimitError",
  description:
    "Returned when the rate limit is exceeded. Rate limits are enforced per teamspace, endpoint path, and HTTP method over a 60-second sliding window (`HERALD_RATE_LIMIT_WINDOW`). Each endpoint may have its own limit: check the X-RateLimit-Limit response header for the effective value, and Retry-After for when to retry."
})) {}

/** A 400 with this message (and details, if any). */
export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new BadRequest({
    status_code: 400,
    error: "invalid_request",
    message,
    retryable: false,
    mitigation: details === undefined
      ? "Fix the request as the message says, then send it again."
      : "Fix the request as the message and details say, then send it again.",
    ...(details === undefined ? {} : { details })
  })

/** Invalid input: the first issues in `details.issues`, and how many there were in `details.issue_count`. */
export const invalidInput = (report: Report) =>
  badRequest(Failure.describeIssues(report), {
    issues: report.issues.map((issue) => ({ path: issue.path, message: issue.message })),
    issue_count: report.count
  })

/** A 401 with this message. */
export const unauthorized = (message: string) =>
  new Unauthorized({
    status_code: 401,
    error: "unauthorized",
    message,
    retryable: false,
    mitigation: "Send a valid API key as `Authorization: Bearer <key>`."
  })

/** A 403 with this message. */
export const forbidden = (message: string) =>
  new Forbidden({ status_code: 403, error: "forbidden", message, retryable: false })

/** The key lacks the scope the route needs. */
export const insufficientScope = (refusal: Scopes.Refusal) =>
  new Forbidden({
    status_code: 403,
    error: "forbidden",
    message: Scopes.describe(refusal),
    retryable: false,
    mitigation: Scopes.mitigation(refusal),
    details: { required_scopes: refusal.required, key_scopes: refusal.granted }
  })

/** The 429 of a rate limit refusal. */
export const rateLimited = (refusal: RateLimiting.Refusal) =>
  new TooManyRequests({
    status_code: 429,
    statusCode: 429,
    error: "rate_limit_exceeded",
    message: RateLimiting.describe(refusal),
    mitigation: RateLimiting.mitigation(refusal),
    retryable: true,
    details: { reason: RateLimiting.reason(refusal) }
  })

/** How the Datagrid profile (and Herald's native paths) refuse for rate limits and scopes. */
export const refusals: Refusals<TooManyRequests | Forbidden> = { rateLimited, forbidden: insufficientScope }

/** A 413 with this message and mitigation. */
export const payloadTooLarge = (message: string, mitigation: string) =>
  new PayloadTooLarge({ status_code: 413, error: "payload_too_large", message, retryable: false, mitigation })

/** A 404 with this message. */
export const notFound = (message: string) =>
  new NotFound({ status_code: 404, error: "not_found", message, retryable: false })

/** A 409 with this message. */
export const conflict = (message: string) =>
  new Conflict({ status_code: 409, error: "conflict", message, retryable: false })

/** The 500 body. */
export const internalError = () =>
  new InternalError({
    status_code: 500,
    error: "internal_error",
    message: "Something went wrong on our side.",
    retryable: true
  })

/** The framework's own failures in this shape. */
export const fromFramework = (failure: Failure.FrameworkFailure): ErrorBody => {
  switch (failure._tag) {
    case "Decode":
      return invalidInput(failure.report)
    case "RouteNotFound":
      return notFound(Failure.describeRouteNotFound(failure))
    case "MethodNotAllowed":
      return {
        status_code: 405,
        error: "method_not_allowed",
        message: Failure.describeMethodNotAllowed(failure),
        retryable: false,
        mitigation: "Use one of the methods in the Allow header."
      }
    case "BodyNotJson":
      return badRequest("The request body is not valid JSON")
    case "BodyUnreadable":
      return badRequest("The request could not be read")
    case "IdempotencyKeyInvalid":
      return badRequest(Failure.describeIdempotencyFailure(failure))
    case "IdempotencyKeyInProgress":
      return {
        status_code: 409,
        error: "conflict",
        message: Failure.describeIdempotencyFailure(failure),
        retryable: true,
        mitigation: "Retry the request after a short wait."
      }
    case "IdempotencyKeyReused":
      return {
        status_code: 422,
        error: "idempotency_key_reused",
        message: Failure.describeIdempotencyFailure(failure),
        retryable: false,
        mitigation: "Use a new Idempotency-Key for each new request."
      }
    case "PayloadTooLarge":
      return payloadTooLarge(Failure.describeRequestLimitFailure(failure), "Send a smaller body.")
    case "UnsupportedMediaType":
      return {
        status_code: 415,
        error: "unsupported_media_type",
        message: Failure.describeRequestLimitFailure(failure),
        retryable: false,
        mitigation: "Send the body as JSON with `Content-Type: application/json`."
      }
  }
}

/**
 * How the Datagrid profile (and the native routes, and paths no profile owns) renders framework
 * failures and defects.
 */
export const responder: Failure.ErrorResponder = {
  framework: (failure) => {
    const body = fromFramework(failure)
    return { status: body.status_code, body }
  },
  internal: () => ({ status: 500, body: internalError() })
}

/** The core errors a handler of a native route may fail with; `toWire` renders each. */
export type DomainError =
  | Errors.InvalidInput
  | Errors.WebhookNotFound
  | Errors.ListenerNotFound
  | Errors.EventNotFound
  | Errors.EventConflict
  | Errors.EventDataTooLarge
  | Errors.EventTypeNotFound
  | Errors.EventTypeConflict

/** A domain error's wire body (`mapDomainErrors` fails with it; a batch's result carries it). */
export const toWire = (error: DomainError) => {
  switch (error._tag) {
    case "InvalidInput":
      return invalidInput(Failure.reportOfInvalidInput(error))
    case "WebhookNotFound":
    case "ListenerNotFound":
    case "EventNotFound":
    case "EventTypeNotFound":
      return notFound(error.message)
    case "EventConflict":
    case "EventTypeConflict":
      return conflict(error.message)
    case "EventDataTooLarge":
      return payloadTooLarge(error.message, "Publish less data, e.g. an id the receiver can fetch the rest with.")
  }
}

/**
 * A batch's refused event: its domain error's wire body, its input issues named under `at` (the
 * event's place in the request, `["events", 3]`).
 */
export const itemError = (error: DomainError, at: ReadonlyArray<string | number>): ErrorBody =>
  error._tag === "InvalidInput" ? invalidInput(within(Failure.reportOfInvalidInput(error), at)) : toWire(error)

/** The wire error each domain error becomes, so a handler declares only those it can produce. */
type WireOf<E> = E extends Errors.InvalidInput ? BadRequest
  : E extends Errors.WebhookNotFound | Errors.ListenerNotFound | Errors.EventNotFound | Errors.EventTypeNotFound ? NotFound
  : E extends Errors.EventConflict | Errors.EventTypeConflict ? Conflict
  : E extends Errors.EventDataTooLarge ? PayloadTooLarge
  : never

/** Maps a handler's domain errors to the Datagrid profile's wire errors (Herald's native routes use it too). */
export const mapDomainErrors = <A, E extends DomainError, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, WireOf<E>, R> =>
  Effect.mapError(effect, (error) => toWire(error) as WireOf<E>)
