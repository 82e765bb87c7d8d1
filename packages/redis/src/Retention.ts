/**
 * How long events (and the per-event attempt indexes that point at them) are
 * kept in Redis: a TTL set when they are written, so old data expires without
 * a sweeper.
 */
import { Durations } from "@herald/core"
import { Config } from "effect"

/** 30 days. */
export const defaultRetentionSeconds = 30 * 24 * 60 * 60

export interface Options {
  /** Whole seconds, at least 1. Default 30 days. */
  readonly retentionSeconds?: number | undefined
}

/** The TTL to use, rounded up to whole seconds (Redis EXPIRE granularity), at least 1. */
export const seconds = (options?: Options): number =>
  Math.max(1, Math.ceil(options?.retentionSeconds ?? defaultRetentionSeconds))

/** `HERALD_RETENTION`, a duration such as `30d` or `12 hours`, at least 1 second. */
export const config: Config.Config<Options> = Durations.config("HERALD_RETENTION", {
  defaultMs: defaultRetentionSeconds * 1_000,
  minMs: 1_000,
  description: "How long events are kept"
}).pipe(Config.map((ms) => ({ retentionSeconds: ms / 1_000 })))
