/**
 * The failures the HTTP framework raises itself before a handler runs (a payload,
 * path or query that does not decode, an unknown route, a body that is not JSON),
 * and those of the app's own middleware (`Idempotency-Key`, request limits), in
 * a form every profile's error module can render in its own shape.
 */

/** One issue of a decode error (Effect's `ArrayFormatter` output). */
export interface DecodeIssue {
  /** The kind of parse issue: `Missing`, `Type`, `Refinement`, `Unexpected`... */
  readonly _tag: string
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

export type FrameworkFailure =
  | { readonly _tag: "Decode"; readonly issues: ReadonlyArray<DecodeIssue> }
  | { readonly _tag: "RouteNotFound" }
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

/** How one profile answers framework failures and unexpected defects. */
export interface ErrorResponder {
  readonly framework: (failure: FrameworkFailure, request: { readonly method: string; readonly url: string }) => Reply
  readonly internal: () => Reply
}

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

/**
 * Recognises the framework's client-caused failures. They arrive as failures
 * (decode errors, unknown routes) or as defects (a body that is not JSON), so
 * callers try both.
 */
export const classify = (error: unknown): FrameworkFailure | undefined => {
  switch (tagOf(error)) {
    case "HttpApiDecodeError":
      return { _tag: "Decode", issues: (error as { readonly issues: ReadonlyArray<DecodeIssue> }).issues }
    case "RouteNotFound":
      return { _tag: "RouteNotFound" }
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

/** The issue path as wire values: numbers stay numbers, everything else becomes a string. */
export const issuePath = (path: ReadonlyArray<PropertyKey>): Array<string | number> =>
  path.map((part) => typeof part === "number" ? part : String(part))

/**
 * One issue per field. Effect reports a value that fits no member of a union
 * once per member, and `optional`/`NullOr` fields are unions with `undefined` and
 * `null`: those two say nothing useful, so the field's other issue stands for it.
 */
export const onePerField = (issues: ReadonlyArray<DecodeIssue>): ReadonlyArray<DecodeIssue> => {
  const absent = (issue: DecodeIssue) => /^Expected (undefined|null), actual /.test(issue.message)
  const byPath = new Map<string, DecodeIssue>()
  for (const issue of issues) {
    const key = JSON.stringify(issuePath(issue.path))
    const seen = byPath.get(key)
    if (seen === undefined || (absent(seen) && !absent(issue))) byPath.set(key, issue)
  }
  return [...byPath.values()]
}

const describeIssue = (issue: DecodeIssue): string =>
  issue.path.length === 0 ? issue.message : `${issue.path.map(String).join(".")}: ${issue.message}`

/** A decode error's issues as one message: `path: message; ...`. */
export const describeIssues = (issues: ReadonlyArray<DecodeIssue>): string =>
  issues.map(describeIssue).join("; ") || "The request is invalid"

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
