/**
 * How long events (and the per-event attempt indexes that point at them) are
 * kept in Redis: a TTL set when they are written, so old data expires without
 * a sweeper.
 */
import { Config, Duration } from "effect"

/** 30 days. */
export const defaultRetentionSeconds = 30 * 24 * 60 * 60

export interface Options {
  /** Whole seconds, at least 1. Default 30 days. */
  readonly retentionSeconds?: number | undefined
}

/** The TTL to use, rounded up to whole seconds (Redis EXPIRE granularity), at least 1. */
export const seconds = (options?: Options): number =>
  Math.max(1, Math.ceil(options?.retentionSeconds ?? defaultRetentionSeconds))

/** `HERALD_RETENTION`, a duration such as `30 days` or `12 hours`. */
export const config: Config.Config<Options> = Config.duration().pipe(
  Config.validate({ message: "must be at least 1 second", validation: (duration) => Duration.toSeconds(duration) >= 1 }),
  // Nested outside the validation, so its error names the variable.
  Config.nested("HERALD_RETENTION"),
  Config.withDefault(Duration.seconds(defaultRetentionSeconds)),
  Config.map((duration) => ({ retentionSeconds: Duration.toSeconds(duration) })),
  Config.withDescription("How long events are kept, e.g. `30 days`")
)
