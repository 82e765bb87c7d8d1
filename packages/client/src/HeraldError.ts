/**
 * How the Promise client (`Herald`) rejects. An answer of Herald's in its error
 * shape (`{status_code, error, message, retryable, ...}`) is a `HeraldError`, of
 * the subclass its status names where a caller acts on it (a 404, a 429, ...);
 * no answer, or one that is not Herald's (a proxy's 502 page, a body the
 * contract's schemas refuse), is a `HeraldConnectionError` naming the URL tried.
 *
 * `fromFailure` maps what the derived Effect client fails with: the contract's
 * error classes (`DatagridErrors.*`, whichever the route and its authentication
 * declare), `HttpClientError` for a transport failure or a status the route
 * does not declare (e.g. a 405 or 415, still in Herald's shape), and
 * `ParseError` for a body its schema refuses.
 */
import { HttpClientError, type HttpClientResponse } from "@effect/platform"
import type { DatagridErrors } from "@herald/http"
import { Effect, Either, ParseResult, Schema } from "effect"

/** Herald's error body (the Datagrid shape, which Herald's own routes answer in too). */
export type ErrorBody = DatagridErrors.ErrorBody

/** An error Herald answered with: its status, its `error` code, its message, and the whole body. */
export class HeraldError extends Error {
  /** The HTTP status, e.g. 404. */
  readonly status: number
  /** The body's `error`, a machine-readable code, e.g. `not_found` or `rate_limit_exceeded`. */
  readonly code: string
  /** Whether the same request may succeed if sent again (e.g. after a rate limit's wait). */
  readonly retryable: boolean
  /** What to do about it, when Herald says. */
  readonly mitigation: string | undefined
  /** More about it, e.g. `issues` naming each invalid field of a 400. */
  readonly details: { readonly [key: string]: unknown } | undefined
  /** The body as Herald sent it. */
  readonly body: ErrorBody
  /** The answer's `X-Request-Id`, which Herald's request log names too: quote it when asking about a failure. */
  readonly requestId: string | undefined

  /** The error of `body`, answered with `headers` (lowercase names). */
  constructor(body: ErrorBody, headers: Readonly<Record<string, string>> = {}) {
    super(body.message)
    this.name = new.target.name
    this.status = body.status_code
    this.code = body.error
    this.retryable = body.retryable
    this.mitigation = body.mitigation
    this.details = body.details
    this.body = body
    this.requestId = headers[REQUEST_ID]
  }
}

/** A 400 (`invalid_request`): the request is malformed or its input invalid; `details.issues` names each field. */
export class HeraldBadRequestError extends HeraldError {}
/** A 401 (`unauthorized`): no API key, or an unknown one. */
export class HeraldAuthenticationError extends HeraldError {}
/** A 403 (`forbidden`): the key lacks the scope the route needs, or names another teamspace. */
export class HeraldPermissionError extends HeraldError {}
/** A 404 (`not_found`): no such webhook, event or event type in the key's teamspace. */
export class HeraldNotFoundError extends HeraldError {}
/** A 409 (`conflict`): e.g. an event id published again with other content. */
export class HeraldConflictError extends HeraldError {}
/** A 429 (`rate_limit_exceeded`): over the route's rate limit; `retryable` after `retryAfterSeconds`. */
export class HeraldRateLimitError extends HeraldError {
  /** The answer's `Retry-After`: whole seconds until the request can succeed. */
  readonly retryAfterSeconds: number | undefined

  /** The error of `body`, answered with `headers` (lowercase names). */
  constructor(body: ErrorBody, headers: Readonly<Record<string, string>> = {}) {
    super(body, headers)
    const retryAfter = Number(headers["retry-after"] ?? Number.NaN)
    this.retryAfterSeconds = Number.isFinite(retryAfter) ? retryAfter : undefined
  }
}

/** No answer from Herald (e.g. nothing listens at the URL), or an answer that is not Herald's. */
export class HeraldConnectionError extends Error {
  /** The request tried, e.g. `POST http://localhost:8080/v1/events`. */
  readonly request: string
  /** The answer's status, when there was one. */
  readonly status: number | undefined

  constructor(options: { readonly message: string; readonly request: string; readonly status?: number; readonly cause: unknown }) {
    super(options.message, { cause: options.cause })
    this.name = "HeraldConnectionError"
    this.request = options.request
    this.status = options.status
  }
}

// RequestId.HEADER of @herald/http: that module imports node:crypto, which a browser bundle has not.
const REQUEST_ID = "x-request-id"

const byStatus: ReadonlyMap<number, new(body: ErrorBody, headers?: Readonly<Record<string, string>>) => HeraldError> = new Map([
  [400, HeraldBadRequestError],
  [401, HeraldAuthenticationError],
  [403, HeraldPermissionError],
  [404, HeraldNotFoundError],
  [409, HeraldConflictError],
  [429, HeraldRateLimitError]
])

/** The `HeraldError` of a body (and the answer's headers), of its status's subclass where there is one. */
export const fromBody = (body: ErrorBody, headers?: Readonly<Record<string, string>>): HeraldError =>
  new (byStatus.get(body.status_code) ?? HeraldError)(body, headers)

// Looser than any one class of the contract: a status the route does not
// declare (405, 413, 415, 422, 500) still comes in this shape.
const AnyErrorBody = Schema.Struct({
  status_code: Schema.Int,
  error: Schema.String,
  message: Schema.String,
  retryable: Schema.Boolean,
  mitigation: Schema.optional(Schema.String),
  details: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})
const decodeErrorBody = Schema.decodeUnknownEither(AnyErrorBody)

/** An answer that is not in Herald's error shape: the status it came with (when known), and what was wrong with it. */
const notHeralds = (request: string, status: number | undefined, why: string, cause: unknown) =>
  new HeraldConnectionError({
    message: `${request} answered${status === undefined ? "" : ` ${status}`} ${why}`,
    request,
    ...(status === undefined ? {} : { status }),
    cause
  })

const fromResponseError = (error: HttpClientError.ResponseError) =>
  error.response.text.pipe(
    Effect.map((text) => {
      const body = Either.flatMap(
        Either.try(() => JSON.parse(text) as unknown),
        (json) => decodeErrorBody(json)
      )
      if (Either.isRight(body)) return fromBody(body.right, error.response.headers)
      return notHeralds(
        error.methodAndUrl,
        error.response.status,
        error.response.status < 400 ? "with a body this client cannot read" : "with a body that is not a Herald error",
        error
      )
    }),
    Effect.orElseSucceed(() =>
      notHeralds(error.methodAndUrl, error.response.status, "but its body could not be read", error)
    )
  )

/**
 * The rejection for a failure of the derived client: a `HeraldError` for Herald's
 * answers, a `HeraldConnectionError` for none or another's, a `TypeError` for
 * input the contract's schemas cannot encode (no request was sent). `response`
 * is the answer the call got, if any (a `ParseError` does not carry it).
 */
export const fromFailure = (
  failure: unknown,
  response: HttpClientResponse.HttpClientResponse | undefined
): Effect.Effect<Error> => {
  if (HttpClientError.isHttpClientError(failure)) {
    return failure._tag === "ResponseError"
      ? fromResponseError(failure)
      : Effect.succeed(
        new HeraldConnectionError({
          message: `Could not reach Herald: ${failure.methodAndUrl} failed (${describeCause(failure.cause)})`,
          request: failure.methodAndUrl,
          cause: failure
        })
      )
  }
  if (ParseResult.isParseError(failure)) {
    return Effect.succeed(
      response === undefined
        ? new TypeError(`Invalid input: ${failure.message}`, { cause: failure })
        : notHeralds(
          `${response.request.method} ${response.request.url}`,
          response.status,
          `with a body this client cannot read: ${failure.message}`,
          failure
        )
    )
  }
  // One of the contract's error classes, decoded from `response`.
  const body = decodeErrorBody(failure)
  return Effect.succeed(
    Either.isRight(body)
      ? fromBody(body.right, response?.headers)
      : new Error(`Unexpected failure: ${String(failure)}`, { cause: failure })
  )
}

// fetch's own message is only "fetch failed": the reason (ECONNREFUSED, ENOTFOUND) is its cause's.
const describeCause = (cause: unknown): string => {
  if (!(cause instanceof Error)) return String(cause)
  const inner = cause.cause
  return inner instanceof Error ? `${cause.message}: ${inner.message}` : cause.message
}
