/**
 * The failures the HTTP framework raises itself before a handler runs (a payload,
 * path or query that does not decode, an unknown route, a body that is not JSON),
 * and those of the app's own middleware (`Idempotency-Key`, request limits), in
 * a form every profile's error module can render in its own shape.
 */
import { Errors } from "@herald/core"
import { decodeReport, fieldName, type InputIssue, type Report, wirePath } from "../contract/InputIssues.js"

/**
 * A failure the framework or the edge raised before a handler ran: undecodable input, an unknown
 * route, a wrong method, a bad `Idempotency-Key`, a request too large or not JSON. Each profile's
 * error module renders it in its own shape (`HttpProfile.ErrorResponder`).
 */
export type FrameworkFailure =
  /** A payload, path or query that does not decode: the first issues and how many there were. */
  | { readonly _tag: "Decode"; readonly report: Report }
  /** No route for the path: `under` is where the API is mounted ("" at the root), for the message to point to its docs. */
  | { readonly _tag: "RouteNotFound"; readonly under: string }
  /** The path is served, but not for this method (405, with `Allow`). */
  | { readonly _tag: "MethodNotAllowed"; readonly method: string; readonly allow: ReadonlyArray<string> }
  | { readonly _tag: "BodyNotJson" }
  | { readonly _tag: "BodyUnreadable" }
  /** `Idempotency-Key` is not 1-255 visible ASCII characters (400). */
  | { readonly _tag: "IdempotencyKeyInvalid" }
  /** The request that first used this `Idempotency-Key` is still running (409: retry). */
  | { readonly _tag: "IdempotencyKeyInProgress"; readonly key: string }
  /** This `Idempotency-Key` was used for a different request (422). */
  | { readonly _tag: "IdempotencyKeyReused"; readonly key: string }
  /** The body is larger than the configured limit (413). */
  | { readonly _tag: "PayloadTooLarge"; readonly limitBytes: number }
  /** A body that is not JSON by its `Content-Type` (415). */
  | { readonly _tag: "UnsupportedMediaType"; readonly contentType: string }

/** A status and the JSON body that goes with it. */
export interface Reply {
  readonly status: number
  readonly body: unknown
}

/** The request an error answers: its method and URL, and its id (`RequestId`) when it has one. */
export interface Answered {
  readonly method: string
  readonly url: string
  readonly requestId?: string | undefined
}

/** How one profile answers framework failures and unexpected defects. */
export interface ErrorResponder {
  readonly framework: (failure: FrameworkFailure, request: Answered) => Reply
  readonly internal: (request: Answered) => Reply
}

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

interface PlatformIssue {
  readonly _tag: string
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

/**
 * A decode error's issues: the report of a schema declared with
 * `InputIssues.reported` (or of `BodyGuard`), or else (a schema without it) the
 * platform's own issues, capped likewise, each after the field it is about.
 */
const decodeFailure = (issues: ReadonlyArray<PlatformIssue>): FrameworkFailure => {
  const report = issues.length === 1 ? decodeReport(issues[0]!.message) : undefined
  if (report !== undefined) return { _tag: "Decode", report }
  return {
    _tag: "Decode",
    report: {
      issues: issues.slice(0, Errors.MAX_REPORTED_ISSUES).map((issue): InputIssue => ({
        kind: issue._tag === "Missing"
          ? "missing"
          : issue._tag === "Unexpected"
          ? "unexpected"
          : issue._tag === "Type"
          ? "type"
          : "invalid",
        path: wirePath(issue.path),
        message: issue.path.length === 0 ? issue.message : `${fieldName(issue.path)}: ${issue.message}`
      })),
      count: issues.length
    }
  }
}

/**
 * Recognises the framework's client-caused failures. They arrive as failures
 * (decode errors, unknown routes) or as defects (a body that is not JSON), so
 * callers try both.
 */
export const classify = (error: unknown): FrameworkFailure | undefined => {
  switch (tagOf(error)) {
    case "HttpApiDecodeError":
      return decodeFailure((error as { readonly issues: ReadonlyArray<PlatformIssue> }).issues)
    case "RouteNotFound":
      // `ErrorMapping` answers it with where the API is mounted (it knows; the error does not).
      return { _tag: "RouteNotFound", under: "" }
    case "IdempotencyKeyError":
    case "RequestLimitError":
      return (error as { readonly failure: FrameworkFailure }).failure
    case "RequestError":
      return (error as { readonly reason: string }).reason === "Decode"
        ? { _tag: "BodyNotJson" }
        : { _tag: "BodyUnreadable" }
    default:
      return undefined
  }
}

/** A core `InvalidInput` as a report. */
export const reportOfInvalidInput = (error: Errors.InvalidInput): Report => ({
  issues: error.issues.map((issue) => ({ kind: "invalid", path: issue.path, message: issue.message })),
  count: error.total
})

/** What a path nothing serves says (Diga keeps FastAPI's "Not Found"): where to find what is served. */
export const describeRouteNotFound = (failure: Extract<FrameworkFailure, { readonly _tag: "RouteNotFound" }>): string =>
  `No such endpoint: the endpoints are listed at ${failure.under}/docs (and in ${failure.under}/openapi.json)`

/** A report as one message: the issues' sentences, and how many more there were. */
export const describeIssues = (report: Report): string =>
  Errors.describeIssues(report.issues.map((issue) => issue.message), report.count)

type IdempotencyFailure = Extract<
  FrameworkFailure,
  { readonly _tag: "IdempotencyKeyInvalid" | "IdempotencyKeyInProgress" | "IdempotencyKeyReused" }
>

/** What an `Idempotency-Key` failure says, in every profile. */
export const describeIdempotencyFailure = (failure: IdempotencyFailure): string => {
  switch (failure._tag) {
    case "IdempotencyKeyInvalid":
      return "Idempotency-Key must be one key of 1 to 255 visible ASCII characters"
    case "IdempotencyKeyInProgress":
      return `A request with Idempotency-Key ${
        JSON.stringify(failure.key)
      } is still in progress: retry it once that request has finished`
    case "IdempotencyKeyReused":
      return `Idempotency-Key ${
        JSON.stringify(failure.key)
      } was already used for a different request (another method, path or body): send a new request with a new key`
  }
}

type RequestLimitFailure = Extract<FrameworkFailure, { readonly _tag: "PayloadTooLarge" | "UnsupportedMediaType" }>

/** What a request limit failure says, in every profile. */
export const describeRequestLimitFailure = (failure: RequestLimitFailure): string => {
  switch (failure._tag) {
    case "PayloadTooLarge":
      return `The request body is larger than ${failure.limitBytes} bytes, the most this API accepts`
    case "UnsupportedMediaType":
      return `The request body must be JSON (Content-Type: application/json), not ${JSON.stringify(failure.contentType)}`
  }
}

/** What a 405 says, in every profile. */
export const describeMethodNotAllowed = (
  failure: Extract<FrameworkFailure, { readonly _tag: "MethodNotAllowed" }>
): string => `${failure.method} is not allowed on this path, which accepts ${failure.allow.join(", ")}`
