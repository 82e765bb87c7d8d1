/**
 * Durations as the environment gives them. Every duration variable of every
 * process reads through `config`, so all take the same forms: a number and a
 * short unit (`500ms`, `5s`, `2m`, `1h`, `1d`), or Effect's words (`5 seconds`,
 * `250 millis`, `2 minutes`). `HERALD_RETRY_SCHEDULE` parses each of its
 * entries with `parse` too.
 */
import { Config, ConfigError, Duration, Either, Option } from "effect"

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

/**
 * The variable `name` in milliseconds: `defaultMs` when unset, and from `minMs`
 * (1 ms unless given) to `maxMs`. A bad value fails naming the variable and
 * saying what is accepted. The default is a number applied after parsing, not
 * text parsed like a value: `format` writes some durations in forms `parse`
 * does not read ("1m 30s", "1s 500ms", "0").
 */
export const config = (
  name: string,
  options: {
    /** Absent: the variable is required (or wrap the config in `Config.option`). */
    readonly defaultMs?: number
    readonly description: string
    readonly minMs?: number
    readonly maxMs?: number
  }
): Config.Config<number> => {
  const { maxMs = Infinity, minMs = 1 } = options
  const range = maxMs === Infinity ? `at least ${format(minMs)}` : `from ${format(minMs)} to ${format(maxMs)}`
  const parsed = Config.string(name).pipe(
    // mapOrFail with the name, not Config.validate, which loses the variable's name.
    Config.mapOrFail((text) =>
      Either.flatMap(parse(text), (ms) =>
        ms >= minMs && ms <= maxMs ? Either.right(ms) : Either.left(`must be ${range}, got ${JSON.stringify(text)}`)
      ).pipe(
        Either.mapLeft((message) => ConfigError.InvalidData([name], message))
      )
    )
  )
  return (options.defaultMs === undefined
    ? parsed
    // Only when the variable is missing: a value that is set but bad still fails.
    : Config.withDefault(parsed, options.defaultMs)).pipe(
      Config.withDescription(`${options.description} (${accepted})`)
    )
}
