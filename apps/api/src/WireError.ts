/**
 * The Datagrid profile's error bodies (also used by Herald's native paths): the
 * Datagrid seed's RateLimitError shape, generalised to every status. One class
 * per status, because HttpApi takes the status from the schema; they share one
 * set of fields. Exa's and Diga's shapes are in ExaErrors and DigaErrors.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import {
  describeIdempotencyFailure,
  describeIssues,
  type ErrorResponder,
  type FrameworkFailure,
  issuePath
} from "./FrameworkFailure.js"

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

// The literal status and code make each class's encoding accept only its own
// instances: HttpApi encodes an error with the first schema of the union that
// accepts it, and the bodies are otherwise alike.
const make = <Self>() =>
<const Tag extends string, const Status extends number, const Code extends string>(
  identifier: Tag,
  status: Status,
  code: Code
) => Schema.Class<Self>(identifier)(fields(status, code), HttpApiSchema.annotations({ status, identifier }))

export class BadRequest extends make<BadRequest>()("BadRequest", 400, "invalid_request") {}
export class Unauthorized extends make<Unauthorized>()("Unauthorized", 401, "unauthorized") {}
export class Forbidden extends make<Forbidden>()("Forbidden", 403, "forbidden") {}
export class NotFound extends make<NotFound>()("NotFound", 404, "not_found") {}
export class Conflict extends make<Conflict>()("Conflict", 409, "conflict") {}
export class InternalError extends make<InternalError>()("InternalError", 500, "internal_error") {}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new BadRequest({
    status_code: 400,
    error: "invalid_request",
    message,
    retryable: false,
    mitigation: "Fix the request as the message and details say, then send it again.",
    ...(details === undefined ? {} : { details })
  })

export const unauthorized = (message: string) =>
  new Unauthorized({
    status_code: 401,
    error: "unauthorized",
    message,
    retryable: false,
    mitigation: "Send a valid API key as `Authorization: Bearer <key>`."
  })

export const forbidden = (message: string) =>
  new Forbidden({ status_code: 403, error: "forbidden", message, retryable: false })

export const notFound = (message: string) =>
  new NotFound({ status_code: 404, error: "not_found", message, retryable: false })

export const conflict = (message: string) =>
  new Conflict({ status_code: 409, error: "conflict", message, retryable: false })

export const internalError = () =>
  new InternalError({
    status_code: 500,
    error: "internal_error",
    message: "Something went wrong on our side.",
    retryable: true
  })

/** The framework's own failures in this shape. */
export const fromFramework = (failure: FrameworkFailure): ErrorBody => {
  switch (failure._tag) {
    case "Decode":
      return badRequest(describeIssues(failure.issues), {
        issues: failure.issues.map((issue) => ({ path: issuePath(issue.path), message: issue.message }))
      })
    case "RouteNotFound":
      return notFound("No such endpoint")
    case "BodyNotJson":
      return badRequest("The request body is not valid JSON")
    case "BodyUnreadable":
      return badRequest("The request could not be read")
    case "IdempotencyKeyInvalid":
      return badRequest(describeIdempotencyFailure(failure))
    case "IdempotencyKeyInProgress":
      return {
        status_code: 409,
        error: "conflict",
        message: describeIdempotencyFailure(failure),
        retryable: true,
        mitigation: "Retry the request after a short wait."
      }
    case "IdempotencyKeyReused":
      return {
        status_code: 422,
        error: "idempotency_key_reused",
        message: describeIdempotencyFailure(failure),
        retryable: false,
        mitigation: "Use a new Idempotency-Key for each new request."
      }
  }
}

export const responder: ErrorResponder = {
  framework: (failure) => {
    const body = fromFramework(failure)
    return { status: body.status_code, body }
  },
  internal: () => ({ status: 500, body: internalError() })
}
