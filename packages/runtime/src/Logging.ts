/**
 * How a Herald process writes its log: `HERALD_LOG_FORMAT` (`json`, one object per line for a log
 * collector; `pretty`, for a person at a terminal; JSON by default unless stdout is a terminal) and
 * `HERALD_LOG_LEVEL` (the least severe line written: `debug`, `info`, `warning`, `error` or `none`;
 * `info` by default), read by `Environment.logging` before anything else, so that a refused
 * configuration is logged in the chosen format too.
 */
import { Cause, Effect, Layer, Logger, LogLevel } from "effect"

/** The line formats. */
export type Format = "json" | "pretty"

/** The level names, as the variable and `createHerald`'s `logLevel` take them. */
export const levels = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  none: LogLevel.None
} as const satisfies Record<string, LogLevel.LogLevel>

/** A level's name. */
export type LevelName = keyof typeof levels

/** JSON unless stdout is a terminal (`isTerminal`: the process's, by default). */
export const defaultFormat = (isTerminal = process.stdout.isTTY === true): Format => isTerminal ? "pretty" : "json"

/** What a process logs: the lines' format, and the least severe line written. */
export interface Settings {
  readonly format: Format
  readonly level: LogLevel.LogLevel
}

/** The logger of `format` in place of Effect's default, and the minimum level. */
export const layer = (options: Settings): Layer.Layer<never> =>
  Layer.merge(
    options.format === "json" ? Logger.json : Logger.pretty,
    Logger.minimumLogLevel(options.level)
  )

/**
 * Runs `effect` with the log `settings` ask for (`Environment.logging`), and logs how it fails
 * there (a stop is not a failure), so that even a refused start is a line in that format: the
 * entry point need not report it again (`runMain`'s `disableErrorReporting`). Settings that cannot
 * be read are logged in Effect's default format, the only one known then.
 */
export const withSettings = <E2, R2>(settings: Effect.Effect<Settings, E2, R2>) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | E2, R | R2> =>
  settings.pipe(
    Effect.tapError((error) => Effect.logError(error)),
    Effect.flatMap((options) =>
      effect.pipe(
        Effect.tapErrorCause((cause) =>
          Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError("Herald stopped on a failure", cause)
        ),
        Effect.provide(layer(options))
      )
    )
  )
