/**
 * How long history is kept on PostgreSQL: the same option, and the same default, as `@herald/redis`'s
 * `Retention`. Events count from their `createdAt`, attempts from their `attemptedAt`, a failure
 * streak from its last failure. Every read filters by the cutoff (now minus the retention), so
 * expiry is exact to the millisecond; `Partitions` frees the disk later, by the day.
 */

/** 30 days. */
export const defaultRetentionSeconds = 30 * 24 * 60 * 60

/** How long history is kept. */
export interface Options {
  /** Whole seconds, at least 1. Default 30 days. */
  readonly retentionSeconds?: number | undefined
}

/** The retention in milliseconds: the seconds given rounded up to whole seconds, at least 1 (as on Redis). */
export const millis = (options?: Options): number =>
  Math.max(1, Math.ceil(options?.retentionSeconds ?? defaultRetentionSeconds)) * 1000
