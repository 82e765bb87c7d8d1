/**
 * What is wrong with a request's input, in words: the one formatter of Effect's
 * parse issues for every profile. Each issue names the field as the user sent it
 * (`limit`, `events[2]`, `metadata.plan`), says what was wrong and what is
 * accepted (`limit must be a whole number from 1 to 100, not "1000"`); no schema
 * identifiers, no descriptions read as types, no unions with `undefined`.
 *
 * A report lists at most `Errors.MAX_REPORTED_ISSUES` issues and how many were
 * found, so an error body stays small whatever the input. Every invalid field of
 * a request is found (`reported` decodes with `errors: "all"`), but only the
 * first invalid item of a list or map (`firstInvalidItem`), so that the work of
 * decoding, like the report, does not grow with a list as long as the body allows.
 *
 * Except in a body that refuses unknown fields (`strict`: Datagrid's and the
 * native routes'), which reports its first issue, so its count is 1. Effect
 * makes an issue for every unknown key, formatting the expected keys for each:
 * with `errors: "all"` a 1 MiB body of unknown keys cost 0.3-0.5 s of decoding,
 * against 0.02 s when it stops at the first.
 *
 * HttpApi keeps only the strings Effect's formatters make of a decode error, and
 * runs nothing of ours on the issue itself but a `message` annotation. So every
 * request schema is declared with `reported` (a test checks every endpoint): its
 * message is this report, as JSON, which `FrameworkFailure.classify` reads back.
 */
import { HttpApiError } from "@effect/platform"
import { Errors } from "@herald/core"
import { Option, type ParseResult, type Schema, SchemaAST as AST } from "effect"

/** One thing wrong with the input. */
export interface InputIssue {
  /** `type`: not even the right kind of value (a number for a string); `invalid`: the right kind, but not accepted. */
  readonly kind: "missing" | "type" | "invalid" | "unexpected"
  readonly path: ReadonlyArray<string | number>
  /** A sentence that names the field. */
  readonly message: string
}

/** The first issues found, and how many there were in all. */
export interface Report {
  readonly issues: ReadonlyArray<InputIssue>
  readonly count: number
}

/**
 * What a schema accepts, in words (`a whole number from 1 to 100`), for the
 * schemas whose structure does not say it well (digits, dates, cursors).
 */
export const ExpectedId: unique symbol = Symbol.for("@herald/api/InputIssues/Expected")

/**
 * The annotation saying in words what a schema accepts (see `ExpectedId`):
 * `Schema.annotations(expected("a whole number from 1 to 100"))`.
 */
export const expected = (words: string) => ({ [ExpectedId]: words })

const ownExpected = (ast: AST.AST): string | undefined => {
  const words = ast.annotations[ExpectedId]
  return typeof words === "string" ? words : undefined
}

const MAX_SHOWN = 40

const clip = (text: string): string => text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text

/** A field's name as the user wrote it (`events[2]`, `metadata.plan`), as core names it too; the root is the body. */
export const fieldName = (path: ReadonlyArray<PropertyKey>): string =>
  path.length === 0 ? "the request body" : Errors.fieldName(path)

/** A path as the wire carries it: numbers stay numbers (indexes), everything else is a string. */
export const wirePath = (path: ReadonlyArray<PropertyKey>): Array<string | number> =>
  path.map((part) => typeof part === "number" ? part : String(part))

/**
 * A report about a value found at `prefix` of the request (a batch's event at `["events", 3]`): its
 * paths under the prefix, and its sentences naming the fields so (`events[3].event_type`). A
 * sentence that does not start with its field's name gets it in front.
 */
export const within = (report: Report, prefix: ReadonlyArray<string | number>): Report => ({
  count: report.count,
  issues: report.issues.map((issue) => {
    const path = [...prefix, ...issue.path]
    const own = issue.path.length === 0 ? undefined : Errors.fieldName(issue.path)
    const message = own !== undefined && issue.message.startsWith(own)
      ? `${Errors.fieldName(path)}${issue.message.slice(own.length)}`
      : `${Errors.fieldName(path)}: ${issue.message}`
    return { ...issue, path, message }
  })
})

/** A field's name at the start of a sentence. */
export const subject = (path: ReadonlyArray<PropertyKey>): string =>
  path.length === 0 ? "The request body" : Errors.fieldName(path)

/** The value that was sent, briefly. */
const shown = (actual: unknown): string | undefined => {
  if (actual === undefined) return undefined
  if (typeof actual === "string") return JSON.stringify(clip(actual))
  if (actual === null || typeof actual === "number" || typeof actual === "boolean") return String(actual)
  if (Array.isArray(actual)) return "an array"
  return typeof actual === "object" ? "an object" : typeof actual
}

const isAbsent = (ast: AST.AST) => AST.isUndefinedKeyword(ast) || AST.isVoidKeyword(ast)

const list = (words: ReadonlyArray<string>): string =>
  words.length <= 1 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`

const requiredFields = (ast: AST.TypeLiteral): ReadonlyArray<string> =>
  ast.propertySignatures.filter((property) => !property.isOptional).map((property) => String(property.name))

/** What a schema accepts, in words. */
export const describe = (ast: AST.AST): string => {
  const own = ownExpected(ast)
  if (own !== undefined) return own
  switch (ast._tag) {
    case "StringKeyword":
    case "TemplateLiteral":
      return "a string"
    case "NumberKeyword":
      return "a number"
    case "BooleanKeyword":
      return "true or false"
    case "Literal":
      return JSON.stringify(ast.literal)
    case "Enums":
      return `one of ${ast.enums.map(([, value]) => JSON.stringify(value)).join(", ")}`
    case "TupleType":
      return "an array"
    case "TypeLiteral": {
      const required = requiredFields(ast)
      return required.length === 0 ? "a JSON object" : `a JSON object with ${list(required)}`
    }
    case "Union": {
      const members = ast.types.filter((member) => !isAbsent(member))
      if (members.every(AST.isLiteral)) return `one of ${members.map((member) => JSON.stringify(member.literal)).join(", ")}`
      return [...new Set(members.map(describe))].join(" or ")
    }
    case "Refinement":
      return describeRefinement(ast)
    case "Transformation":
      return AST.isDeclaration(ast.to) ? describe(ast.from) : describe(ast.to)
    case "Suspend":
      return describe(ast.f())
    case "Declaration":
      return ast.typeParameters.length === 0 ? "a valid value" : describe(ast.typeParameters[0]!)
    default:
      return "a valid value"
  }
}

interface Bounds {
  type?: string
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minLength?: number
  maxLength?: number
  pattern?: string
}

const range = (low: number | undefined, high: number | undefined, unit = ""): string =>
  low !== undefined && high !== undefined
    ? ` from ${low} to ${high}${unit}`
    : low !== undefined
    ? ` of at least ${low}${unit}`
    : high !== undefined
    ? ` of at most ${high}${unit}`
    : ""

/**
 * A chain of filters in words, from what Effect's own filters declare for JSON
 * Schema (`int`, `between`, `minLength`...). Not from their descriptions: a
 * schema's documentation replaces those.
 */
const describeRefinement = (ast: AST.Refinement): string => {
  const bounds: Bounds = {}
  let base: AST.AST = ast
  while (AST.isRefinement(base) && ownExpected(base) === undefined) {
    const declared = base.annotations[AST.JSONSchemaAnnotationId]
    if (typeof declared === "object" && declared !== null) {
      for (const [key, value] of Object.entries(declared)) {
        if (!(key in bounds)) (bounds as Record<string, unknown>)[key] = value
      }
    }
    base = base.from
  }
  const words = describe(base)
  if (words === "a number") {
    const noun = bounds.type === "integer" ? "an integer" : "a number"
    const exclusive = bounds.exclusiveMinimum !== undefined
      ? ` greater than ${bounds.exclusiveMinimum}`
      : bounds.exclusiveMaximum !== undefined
      ? ` less than ${bounds.exclusiveMaximum}`
      : ""
    return noun + range(bounds.minimum, bounds.maximum) + exclusive
  }
  if (words === "a string") {
    if (bounds.minLength === 1 && bounds.maxLength === undefined) return "a non-empty string"
    const length = bounds.minLength === bounds.maxLength && bounds.minLength !== undefined
      ? ` of ${bounds.minLength} characters`
      : range(bounds.minLength, bounds.maxLength, " characters")
    return `a string${length}${bounds.pattern === undefined ? "" : ` matching ${bounds.pattern}`}`
  }
  return words
}

/**
 * A value that was sent but is not accepted; a JSON `null` body was sent too.
 * (A body that was not sent at all never reaches a schema: `missingBody`.)
 */
const invalid = (path: ReadonlyArray<PropertyKey>, accepted: string, actual: unknown): string => {
  const value = shown(actual)
  return `${subject(path)} must be ${accepted}${value === undefined ? "" : `, not ${value}`}`
}

/** A request sent without the body its endpoint requires (`schema`). */
export const missingBody = (schema: AST.AST): Report => ({
  issues: [{ kind: "missing", path: [], message: `The request body is missing: it must be ${describe(schema)}` }],
  count: 1
})

/**
 * The issues of a parse error, as a report: the tree walked depth first, every
 * issue counted, the first few put in words. `accepted` is the nearest words about the
 * value at this path (the outermost schema's, when it has them: `limit`'s
 * range rather than its digits' pattern); a pointer moves to another value.
 */
export const report = (root: ParseResult.ParseIssue): Report => {
  const issues: Array<InputIssue> = []
  let count = 0
  // The sentence is made only for an issue that is listed: the others are only counted.
  const add = (kind: InputIssue["kind"], path: ReadonlyArray<PropertyKey>, message: () => string) => {
    count++
    if (issues.length < Errors.MAX_REPORTED_ISSUES) {
      issues.push({ kind, path: wirePath(path), message: message() })
    }
  }
  const go = (
    issue: ParseResult.ParseIssue,
    path: ReadonlyArray<PropertyKey>,
    accepted: string | undefined,
    container: AST.TypeLiteral | undefined
  ): void => {
    switch (issue._tag) {
      case "Pointer":
        return go(issue.issue, path.concat(issue.path), undefined, container)
      case "Missing": {
        const name = path.at(-1)
        const property = () => container?.propertySignatures.find((property) => property.name === name)
        return add(
          "missing",
          path,
          () => {
            const found = property()
            return `${fieldName(path)} is required${found === undefined ? "" : `: ${describe(found.type)}`}`
          }
        )
      }
      case "Unexpected":
        return add("unexpected", path, () => {
          const known = container?.propertySignatures.map((property) => String(property.name)) ?? []
          return `${fieldName(path)} is not a field this request takes${known.length === 0 ? "" : `; it takes ${list(known)}`}`
        })
      case "Forbidden":
        return add("invalid", path, () => `${fieldName(path)} could not be checked`)
      case "Type":
        return add(
          AST.isRefinement(issue.ast) || AST.isTransformation(issue.ast) ? "invalid" : "type",
          path,
          () => invalid(path, accepted ?? ownExpected(issue.ast) ?? describe(issue.ast), issue.actual)
        )
      case "Refinement": {
        // The whole chain's words (`an integer from 1 to 10`), whichever link failed.
        const words = accepted ?? describe(issue.ast)
        return issue.kind === "From"
          ? go(issue.issue, path, words, container)
          : add("invalid", path, () => invalid(path, words, issue.actual))
      }
      case "Transformation": {
        const words = accepted ?? ownExpected(issue.ast)
        return issue.kind === "Transformation"
          ? add("invalid", path, () => invalid(path, words ?? describe(issue.ast), issue.actual))
          : go(issue.issue, path, words, container)
      }
      case "Composite": {
        const words = accepted ?? ownExpected(issue.ast)
        const members = Array.isArray(issue.issues) ? issue.issues : [issue.issues as ParseResult.ParseIssue]
        if (AST.isUnion(issue.ast)) {
          // A value that fits no member: `undefined` (an optional field) says
          // nothing, and one remaining member's own issue says the most.
          const told = members.filter((member) => !(member._tag === "Type" && isAbsent(member.ast)))
          return told.length === 1
            ? go(told[0]!, path, words, container)
            : add(words === undefined ? "type" : "invalid", path, () => invalid(path, words ?? describe(issue.ast), issue.actual))
        }
        const inner = AST.isTypeLiteral(issue.ast) ? issue.ast : container
        for (const member of members) go(member, path, undefined, inner)
        return
      }
    }
  }
  go(root, [], undefined, undefined)
  return { issues, count }
}

const MARK = "@herald/api/InputIssues"

/** A report as the message HttpApi keeps of a decode error. */
export const encodeReport = (value: Report): string => JSON.stringify({ [MARK]: value })

/** The report carried by a decode error's message, if it is one. */
export const decodeReport = (message: string): Report | undefined => {
  if (!message.startsWith(`{"${MARK}"`)) return undefined
  try {
    return (JSON.parse(message) as Record<string, Report>)[MARK]
  } catch {
    return undefined
  }
}

/**
 * A report as the decode error HttpApi raises for a schema declared with
 * `reported`, for checks made outside a schema (`BodyGuard`): each profile
 * then renders it as it renders its schemas' issues.
 */
export const decodeError = (value: Report): HttpApiError.HttpApiDecodeError => {
  const message = encodeReport(value)
  return new HttpApiError.HttpApiDecodeError({ issues: [{ _tag: "Type", path: [], message }], message })
}

/**
 * HttpApi formats a decode error twice (Effect's array and tree formatters both
 * ask for the message), so each issue's report is made once.
 */
const messages = new WeakMap<ParseResult.ParseIssue, string>()

const reportMessage = (issue: ParseResult.ParseIssue) => {
  let message = messages.get(issue)
  if (message === undefined) {
    message = encodeReport(report(issue))
    messages.set(issue, message)
  }
  return { message, override: true }
}

/**
 * For every list and map in a request schema (a test checks them): decoding
 * stops at its first invalid item, where `reported` would otherwise go on
 * through all of them.
 */
export const firstInvalidItem = { parseOptions: { errors: "first" } } as const

/** Whether a schema is declared with `reported`. */
export const isReported = (ast: AST.AST): boolean => Option.isSome(AST.getMessageAnnotation(ast)) && ast.annotations[MARK] === true

/**
 * A request schema (payload, query parameters) whose decode errors are reported
 * in words: every invalid field of it, unless it is strict (see above).
 */
export const reported = <A, I, R>(schema: Schema.Schema<A, I, R>): Schema.Schema<A, I, R> => {
  const options = Option.getOrUndefined(AST.getParseOptionsAnnotation(schema.ast))
  return schema.annotations({
    message: reportMessage,
    [MARK]: true,
    parseOptions: { ...options, errors: options?.onExcessProperty === "error" ? "first" : "all" },
    // Annotating makes a new schema, which would lose its name (and its `$ref` in OpenAPI).
    ...Option.match(AST.getIdentifierAnnotation(schema.ast), { onNone: () => ({}), onSome: (identifier) => ({ identifier }) })
  })
}
