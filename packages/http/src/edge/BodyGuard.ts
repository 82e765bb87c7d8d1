/**
 * Request bodies the framework mishandles, found by the hostile-input fuzz test
 * (`test/HostileInput.test.ts`), turned away before they reach it:
 *
 * - A `Content-Type` on a request without a body. HttpApi reads the (empty) body
 *   by its content type all the same, and its multipart parser fails (a 500) or
 *   waits forever (a request that is never answered) on an empty body. The header
 *   is dropped, so an empty body reads as JSON, as it does without one.
 * - No body (none sent, or an empty one) for an endpoint whose body has only
 *   optional fields (`curl -X POST` to rotate a secret). HttpApi reads it as
 *   `null`, which no object schema accepts; it reads as `{}` instead, so the
 *   defaults apply, as in Stripe and Svix. Where a field is required, the guard
 *   is what knows that no body was sent, so it says the body is missing (a JSON
 *   `null` that was sent is the schema's to refuse, as any other wrong value).
 * - JSON nested more than `MAX_DEPTH` levels deep. It parses, but a decode
 *   error's message renders the offending value recursively, and so does
 *   `JSON.stringify` when an event's data is measured, stored or delivered: the
 *   stack overflows (a 500). Such a body is a decode error at its root instead,
 *   in the profile's shape.
 * - A string or key that is not well-formed Unicode (a lone surrogate, which JSON
 *   spells "\ud800"), anywhere in the body: see core's `WellFormedText` for what
 *   it broke. Refused here once for every field of every route, as a decode error
 *   naming the path of the first such string. (Path and query parameters cannot
 *   carry one: an encoded surrogate is not UTF-8, so the router finds no route for
 *   such a path, a 404, and a query parameter reads it as U+FFFD.) The depth
 *   and the escapes are found in one pass over the text; a body is parsed again
 *   only when it holds a lone surrogate escape, which is then refused. A valid
 *   pair is no reason: Python's `json.dumps` escapes every emoji as one.
 *
 * An API-level middleware inside `RequestLimits` (bodies are within their size
 * limit and JSON by then) and outside `Idempotency` (nothing it refuses reserves
 * a key).
 */
import { Headers, HttpApiBuilder, type HttpApp, HttpServerRequest, UrlParams } from "@effect/platform"
import { WellFormedText } from "@herald/core"
import { Effect, Option } from "effect"
import { decodeError, missingBody, type Report, subject } from "../contract/InputIssues.js"
import { withBodyReaders } from "./RequestLimits.js"
import type { Routes } from "./Routes.js"

/** The deepest nesting of arrays and objects a JSON body may have. */
export const MAX_DEPTH = 100

const METHODS_WITH_BODIES = new Set(["POST", "PUT", "PATCH"])

/** Whether the request has a body: a non-zero `Content-Length`, or a chunked one. */
const hasBody = (headers: Headers.Headers): boolean => {
  const length = headers["content-length"]
  if (length !== undefined) return Number(length) > 0
  return headers["transfer-encoding"] !== undefined
}

/** What one pass over JSON text finds. */
export interface Scan {
  /** Arrays and objects nest deeper than asked (the scan stops there). */
  readonly tooDeep: boolean
  /** A string or key spells a lone surrogate: a `\uD800`-`\uDBFF` escape not followed by a `\uDC00`-`\uDFFF` one, or the latter alone. */
  readonly loneSurrogate: boolean
}

const BACKSLASH = 0x5c
const QUOTE = 0x22
const U = 0x75

const isHex = (code: number): boolean => (code >= 0x30 && code <= 0x39) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x66)

/** Which half of a surrogate pair the escape at `i` (a backslash) spells, if any (`\uD800` to `\uDFFF`). */
const surrogateHalf = (text: string, i: number): "high" | "low" | undefined => {
  if (text.charCodeAt(i + 1) !== U || (text.charCodeAt(i + 2) | 0x20) !== 0x64) return undefined // "\u", then "d" or "D"
  if (!isHex(text.charCodeAt(i + 4)) || !isHex(text.charCodeAt(i + 5))) return undefined
  const third = text.charCodeAt(i + 3) | 0x20
  if (third === 0x38 || third === 0x39 || third === 0x61 || third === 0x62) return "high" // 8, 9, a, b
  if (third >= 0x63 && third <= 0x66) return "low" // c to f
  return undefined
}

/**
 * Nesting deeper than `maxDepth` and lone surrogate escapes in JSON text, in
 * one pass (brackets in strings do not count, nor do escaped backslashes).
 * Request text decoded from UTF-8 holds no raw lone surrogate: only an escape
 * spells one.
 */
export const scan = (text: string, maxDepth: number): Scan => {
  let depth = 0
  let inString = false
  let loneSurrogate = false
  // Where a low surrogate escape must start to pair with the high one just read; -1 when none waits.
  let pairAt = -1
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === BACKSLASH) {
        const half = surrogateHalf(text, i)
        const paired = half === "low" && pairAt === i
        if ((pairAt !== -1 || half === "low") && !paired) loneSurrogate = true
        pairAt = half === "high" ? i + 6 : -1
        // Past the whole escape: a backslash escapes the next character, and a surrogate's hex digits are read.
        i += half === undefined ? 1 : 5
      } else {
        if (pairAt !== -1) loneSurrogate = true
        pairAt = -1
        if (char === QUOTE) inString = false
      }
    } else if (char === QUOTE) {
      inString = true
    } else if (char === 0x5b || char === 0x7b) {
      if (++depth > maxDepth) return { tooDeep: true, loneSurrogate }
    } else if (char === 0x5d || char === 0x7d) {
      depth--
    }
  }
  return { tooDeep: false, loneSurrogate }
}

/** Whether JSON text nests arrays and objects more than `max` deep (brackets in strings do not count). */
export const nestsDeeperThan = (text: string, max: number): boolean => scan(text, max).tooDeep

/** The first ill-formed string or key of a body known to spell a lone surrogate; one that does not parse is left for the handler. */
const firstIllFormed = (text: string): WellFormedText.IllFormed | undefined => {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return undefined
  }
  return WellFormedText.find(body)
}

/**
 * The first string or key in a JSON body that is not well-formed Unicode. Only
 * a body that spells a lone surrogate escape is parsed for it.
 */
export const illFormedIn = (text: string): WellFormedText.IllFormed | undefined =>
  scan(text, Infinity).loneSurrogate ? firstIllFormed(text) : undefined

/** The request, with a body that reads as the JSON object `{}`. */
const withEmptyObject = (request: HttpServerRequest.HttpServerRequest): HttpServerRequest.HttpServerRequest =>
  withBodyReaders(request, {
    text: Effect.succeed("{}"),
    json: Effect.succeed({}),
    arrayBuffer: Effect.sync(() => new TextEncoder().encode("{}").buffer),
    urlParamsBody: Effect.succeed(UrlParams.empty)
  })

/** A decode error, so that each profile reports it as it reports its own schemas' issues. */
const refuse = (report: Report) => Effect.die(decodeError(report))

const one = (kind: "type" | "invalid", path: ReadonlyArray<string | number>, message: string): Report => ({
  issues: [{ kind, path, message }],
  count: 1
})

const tooDeep = () => refuse(one("type", [], `The request body is nested more than ${MAX_DEPTH} levels deep`))

/** A string, but not a well-formed one: not accepted, as a schema filter would report it. */
const illFormed = ({ message, path }: WellFormedText.IllFormed) => refuse(one("invalid", path, `${subject(path)} ${message}`))

/**
 * A request that sent no body: `{}` where every field is optional, "missing"
 * where one is required. Its `Content-Type` is dropped either way: HttpApi would
 * read the empty body by it.
 */
const withoutBody = <E, R>(
  app: HttpApp.Default<E, R>,
  request: HttpServerRequest.HttpServerRequest,
  routes: Routes
) => {
  const takesBody = METHODS_WITH_BODIES.has(request.method)
  const required = takesBody ? routes.requiredBody(request.method, request.url) : undefined
  if (required !== undefined) return refuse(missingBody(required))
  const empty = takesBody && routes.bodyOptional(request.method, request.url)
  if (request.headers["content-type"] === undefined && !empty) return app
  const untyped = request.modify({ headers: Headers.remove(request.headers, "content-type") })
  return Effect.provideService(app, HttpServerRequest.HttpServerRequest, empty ? withEmptyObject(untyped) : untyped)
}

/**
 * The guard as middleware over an app, given the API's routes: refuses bodies nested too deep or
 * not well-formed Unicode (400), and mends the requests the framework would mishandle, as this
 * module's header lists.
 */
export const middleware = (routes: Routes) => <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!hasBody(request.headers)) return yield* withoutBody(app, request, routes)
    if (METHODS_WITH_BODIES.has(request.method)) {
      // A body that cannot be read is the handler's to report, as it always was.
      const text = yield* Effect.option(request.text)
      if (Option.isSome(text)) {
        // A chunked body can be empty all the same.
        if (text.value === "") return yield* withoutBody(app, request, routes)
        const found = scan(text.value, MAX_DEPTH)
        if (found.tooDeep) return yield* tooDeep()
        const ill = found.loneSurrogate ? firstIllFormed(text.value) : undefined
        if (ill !== undefined) return yield* illFormed(ill)
      }
    }
    return yield* app
  })

/** The guard installed as the API's middleware; `Edge` places it inside the request limits. */
export const layer = (routes: Routes) => HttpApiBuilder.middleware(middleware(routes))
