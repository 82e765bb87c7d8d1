/**
 * How an environment variable becomes a value, whatever its name: a duration,
 * a bounded integer, or text a library's parser reads. A bad value fails
 * naming the variable and saying what is accepted, so every variable of every
 * process reports its mistakes alike. `Environment` gives the names; nothing
 * else reads the environment.
 */
import { Durations } from "@herald/core"
import { Config, ConfigError, Either, Redacted } from "effect"

/**
 * Fails naming the variable once. Checked on the variable itself, the failure's
 * path is already its name (`at: []`); checked after `Config.withDefault`, the
 * path is lost and is given (`at: [name]`). `Config.validate` would lose it.
 */
const check = <A, B>(at: ReadonlyArray<string>, parse: (value: A) => Either.Either<B, string>) =>
  Config.mapOrFail((value: A) => Either.mapLeft(parse(value), (message) => ConfigError.InvalidData([...at], message)))

/** Where `check` names the variable: on the variable itself when it has no default before the check. */
const onVariable = (name: string, hasDefault: boolean): ReadonlyArray<string> => hasDefault ? [name] : []

/**
 * The variable `name` in milliseconds (`Durations.parse`): `defaultMs` when
 * unset, and from `minMs` (1 ms unless given) to `maxMs`. The default is a
 * number applied after parsing, not text parsed like a value: `Durations.format`
 * writes some durations in forms `Durations.parse` does not read ("1m 30s", "0").
 */
export const duration = (
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
  const range = maxMs === Infinity
    ? `at least ${Durations.format(minMs)}`
    : `from ${Durations.format(minMs)} to ${Durations.format(maxMs)}`
  const parsed = Config.string(name).pipe(
    check(onVariable(name, false), (text: string) =>
      Either.flatMap(
        Durations.parse(text),
        (ms) => ms >= minMs && ms <= maxMs ? Either.right(ms) : Either.left(`must be ${range}, got ${JSON.stringify(text)}`)
      ))
  )
  return (options.defaultMs === undefined
    ? parsed
    // Only when the variable is missing: a value that is set but bad still fails.
    : Config.withDefault(parsed, options.defaultMs)).pipe(
      Config.withDescription(`${options.description} (${Durations.accepted})`)
    )
}

/** The integer `name`, `defaultValue` when unset, from `min` to `max` (no upper bound when absent). */
export const integer = (
  name: string,
  options: {
    readonly defaultValue: number
    readonly min: number
    readonly max?: number
    /** What the number counts, said in the error ("bytes"). */
    readonly unit?: string
    readonly description: string
  }
): Config.Config<number> => {
  const { max = Infinity, min } = options
  const range = max === Infinity
    ? `must be at least ${min}`
    : options.unit === undefined
    ? `must be from ${min} to ${max}`
    : `must be a number of ${options.unit} from ${min} to ${max}`
  return Config.integer(name).pipe(
    Config.withDefault(options.defaultValue),
    check(onVariable(name, true), (n: number) => n >= min && n <= max ? Either.right(n) : Either.left(range)),
    Config.withDescription(options.description)
  )
}

/** The text of `name` read by `parse`; `defaultText` (parsed too) when unset, else required. */
export const parsed = <A>(
  name: string,
  parse: (text: string) => Either.Either<A, string>,
  options: { readonly defaultText?: string; readonly description: string }
): Config.Config<A> =>
  (options.defaultText === undefined ? Config.string(name) : Config.withDefault(Config.string(name), options.defaultText)).pipe(
    check(onVariable(name, options.defaultText !== undefined), parse),
    Config.withDescription(options.description)
  )

/** Like `parsed`, for a secret: read as `Redacted`, so neither the value nor an error about it repeats the secret. */
export const secret = <A>(
  name: string,
  parse: (text: string) => Either.Either<A, string>,
  options: { readonly defaultText?: string; readonly description: string }
): Config.Config<A> =>
  (options.defaultText === undefined
    ? Config.redacted(name)
    : Config.withDefault(Config.redacted(name), Redacted.make(options.defaultText))).pipe(
      // `Config.redacted` does not carry its name into a failure below it: given here.
      check([name], (value: Redacted.Redacted<string>) => parse(Redacted.value(value))),
      Config.withDescription(options.description)
    )
