/**
 * How long events (and the per-event attempt indexes that point at them) are
 * kept in Redis: a TTL set when they are written, so old data expires without
 * a sweeper.
 */

/** 30 days. */
export const defaultRetentionSeconds = 30 * 24 * 60 * 60

/** The retention of event data in Redis. */
export interface Options {
  /** Whole seconds, at least 1. Default 30 days. */
  readonly retentionSeconds?: number | undefined
}

/** The TTL to use, rounded up to whole seconds (Redis EXPIRE granularity), at least 1. */
export const seconds = (options?: Options): number =>
  Math.max(1, Math.ceil(options?.retentionSeconds ?? defaultRetentionSeconds))
