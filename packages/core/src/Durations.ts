/**
 * Durations as the environment gives them. Every duration variable of every
 * process is read with `parse` (by `@herald/runtime`'s environment), so all
 * take the same forms: a number and a short unit (`500ms`, `5s`, `2m`, `1h`,
 * `1d`), or Effect's words (`5 seconds`, `250 millis`, `2 minutes`).
 * `HERALD_RETRY_SCHEDULE` parses each of its entries with `parse` too.
 */
import { Duration, Either, Option } from "effect"

/** What is accepted, in words, for error messages. */
export const accepted = "a number and a unit, e.g. 500ms, 5s, 2m, 1h, 1d or 5 seconds"

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

const SHORT = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/
/** Effect's own form (`Duration.decode`), without the negative numbers it also takes. */
const WORDS = /^\d+(?:\.\d+)?\s+[a-z]+$/

/** `text` in whole milliseconds (at least 0), or why it is not a duration. */
export const parse = (text: string): Either.Either<number, string> => {
  const trimmed = text.trim()
  const short = SHORT.exec(trimmed)
  if (short !== null) return Either.right(Math.round(Number(short[1]) * UNIT_MS[short[2]!]!))
  const words = WORDS.test(trimmed) ? Duration.decodeUnknown(trimmed) : Option.none()
  if (Option.isSome(words) && Duration.isFinite(words.value)) return Either.right(Math.round(Duration.toMillis(words.value)))
  return Either.left(`expected a duration, got ${JSON.stringify(text)}: use ${accepted}`)
}

/** A duration in milliseconds, as short as it can be said (`1s`, `2m`, `1h`). */
export const format = (ms: number): string => Duration.format(Duration.millis(ms))
