/**
 * The failures the HTTP framework raises itself before a handler runs (a payload,
 * path or query that does not decode, an unknown route, a body that is not JSON),
 * in a form every profile's error module can render in its own shape.
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
  | { readonly _tag: "BodyNotJson" }
  | { readonly _tag: "BodyUnreadable" }

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
