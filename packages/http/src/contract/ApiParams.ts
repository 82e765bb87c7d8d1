/**
 * Path and query parameters that several groups of the contract share, and the
 * forms of value they accept: whole numbers in decimal digits only, dates in
 * ISO 8601 only. Each says what it accepts (`InputIssues.expected`), which is
 * what a decode error then says. Cursors and event-type filters are plain
 * strings here: core checks them, naming the parameter as the handler says it
 * was sent. Also the rule request bodies share across groups (`strict`).
 */
import { HttpApiSchema } from "@effect/platform"
import { ParseResult, Schema } from "effect"
import { expected } from "./InputIssues.js"

/** The page size of a list requested without `limit`. */
export const DEFAULT_PAGE_SIZE = 20

/**
 * Datagrid's request bodies, and those of Herald's native routes in its wire
 * style, refuse a field they do not know (as Stripe's "Received unknown
 * parameter"): a misspelt `enable` must not answer 200 and change nothing.
 */
export const strict = { parseOptions: { onExcessProperty: "error" } } as const

// `Number` reads "0x10" as 16, " 1" as 1 and "1e1" as 10: a parameter is
// digits only, and a long run of them is still out of range, not rounded.
const Digits = Schema.String.pipe(Schema.pattern(/^[0-9]+$/))

/** A whole number from `minimum` to `maximum`, written in decimal digits. */
export const wholeNumber = (minimum: number, maximum: number) =>
  Schema.compose(Digits, Schema.NumberFromString).pipe(
    Schema.between(minimum, maximum),
    Schema.annotations(expected(`a whole number from ${minimum} to ${maximum}, in decimal digits`))
  )

/** Described where it is used: a description on the schema itself would read as what it expects. */
export const Limit = wholeNumber(1, 100)

/** The description of a `limit` query parameter, as the OpenAPI document shows it. */
export const limitDescription = `Page size, 1 to 100 (default ${DEFAULT_PAGE_SIZE}).`

/**
 * The ISO 8601 forms a date parameter accepts: a date (midnight UTC), or a date
 * and time with seconds and fractions optional and a zone (`Z` or `+02:00`)
 * required, since a time without one would be read in the server's zone.
 * `Date` alone also takes `0`, `yesterday`'s neighbours and other guesses.
 */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/

/** The date forms a date parameter accepts, in words, as a refusal names them. */
export const isoDateTimeForms = "an ISO 8601 date (2026-01-31) or date and time with a zone (2026-01-31T09:30:00Z)"

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * Whether the date and time the pattern matched exist. `Date` rolls impossible
 * ones over (2026-02-30 is 2 March, T24:00 the next day) rather than refusing them.
 */
const exists = (match: RegExpExecArray): boolean => {
  const part = (index: number) => Number(match[index] ?? 0)
  const [year, month, day] = [part(1), part(2), part(3)]
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1] ?? 0
  return day >= 1 && day <= days && part(4) <= 23 && part(5) <= 59 && part(6) <= 59 && part(7) <= 23 && part(8) <= 59
}

/** A point in time in one of the ISO 8601 forms above, that exists. */
export const IsoDateTime = Schema.transformOrFail(
  Schema.String.pipe(Schema.pattern(ISO_8601)),
  Schema.DateFromSelf,
  {
    strict: true,
    decode: (text, _, ast) => {
      const match = ISO_8601.exec(text)
      return match === null || !exists(match)
        ? ParseResult.fail(new ParseResult.Type(ast, text))
        : ParseResult.succeed(new Date(text))
    },
    encode: (date) => ParseResult.succeed(date.toISOString())
  }
).annotations(expected(isoDateTimeForms))

/** The `webhook_id` path parameter, checked by the core (an unknown id is a 404, not a 400). */
export const webhookId = HttpApiSchema.param("webhook_id", Schema.String)
/** The `event_id` path parameter, checked by the core (an unknown id is a 404, not a 400). */
export const eventId = HttpApiSchema.param("event_id", Schema.String)
