/**
 * The retry schedule: the delay before each attempt. `0s,5s,5m` means the first
 * attempt at once, the second 5 s after the first fails, the third 5 min after
 * that, then give up.
 *
 * The Dispatcher applies each non-zero delay with ±10% random jitter
 * (`jittered`), and after a 429 or 503 carrying `Retry-After` waits at least
 * that long, capped at 1 hour (`maxRetryAfterMs`). `delayBefore` stays the
 * nominal delay.
 */
import { Context, Effect, Either, Layer, Option, Random } from "effect"
import * as Durations from "./Durations.js"

/** The default retry schedule: eight attempts over about 28 hours. */
export const defaultSchedule = "0s,5s,5m,30m,2h,5h,10h,10h"

const MAX_DELAY_MS = 7 * 86_400_000

/** Parses `0s,5s,5m,...` into milliseconds; at most 50 entries, each a duration (`Durations.parse`) of at most 7 days. */
export const parse = (text: string): Either.Either<ReadonlyArray<number>, string> => {
  const parts = text.split(",").map((part) => part.trim())
  if (parts.length === 0 || parts.length > 50 || parts.some((part) => part === "")) {
    return Either.left("expected 1 to 50 comma-separated delays such as 0s,5s,5m,2h")
  }
  const delays: Array<number> = []
  for (const part of parts) {
    const ms = Durations.parse(part)
    if (Either.isLeft(ms)) return Either.left(ms.left)
    if (ms.right > MAX_DELAY_MS) return Either.left(`"${part}" is longer than 7 days`)
    delays.push(ms.right)
  }
  return Either.right(delays)
}

/** The delays before each attempt, in milliseconds; the first is the delay before the first attempt. */
export interface RetryScheduleShape {
  readonly delays: ReadonlyArray<number>
  /** The delay before attempt `attempt` (1-based); none once the schedule is spent. */
  readonly delayBefore: (attempt: number) => Option.Option<number>
}

/**
 * The retry schedule service, read by the `Dispatcher` (delays between attempts) and the
 * `Sequencer` (the first delay). Provide it with `layer`, or through `Herald.settingsLayer`
 * (`retrySchedule`).
 */
export class RetrySchedule extends Context.Tag("@herald/core/RetrySchedule")<RetrySchedule, RetryScheduleShape>() {}

/** A schedule of these delays (milliseconds, e.g. from `parse`). */
export const make = (delays: ReadonlyArray<number>): RetryScheduleShape => ({
  delays,
  delayBefore: (attempt) => Option.fromNullable(delays[attempt - 1])
})

/** Provides `RetrySchedule` with these delays (milliseconds, e.g. from `parse`). */
export const layer = (delays: ReadonlyArray<number>): Layer.Layer<RetrySchedule> =>
  Layer.succeed(RetrySchedule, make(delays))

// -----------------------------------------------------------------------------
// jitter and Retry-After
// -----------------------------------------------------------------------------

/**
 * Each non-zero delay is spread uniformly over ±10% of its nominal value, so
 * that deliveries failing together (a receiver outage) do not retry together.
 */
export const jitterRatio = 0.1

/**
 * `delay` with ±`jitterRatio` of random jitter, whole milliseconds; 0 stays 0.
 * The randomness comes from Effect's `Random` service, so a seeded
 * `Random.make(seed)` makes it reproducible.
 */
export const jitter = (delayMs: number): Effect.Effect<number> =>
  delayMs <= 0
    ? Effect.succeed(Math.max(0, delayMs))
    : Effect.map(Random.next, (r) => Math.max(0, Math.round(delayMs * (1 + (2 * r - 1) * jitterRatio))))

/** The delay before attempt `attempt` (1-based) with jitter; none once the schedule is spent. */
export const jittered = (schedule: RetryScheduleShape, attempt: number): Effect.Effect<Option.Option<number>> =>
  Option.match(schedule.delayBefore(attempt), {
    onNone: () => Effect.succeed(Option.none()),
    onSome: (delay) => Effect.map(jitter(delay), Option.some)
  })

/** The longest wait a receiver's `Retry-After` can impose on a retry: 1 hour. */
export const maxRetryAfterMs = 3_600_000

/** The statuses whose `Retry-After` is honoured. */
export const retryAfterStatuses: ReadonlySet<number> = new Set([429, 503])

const IMF_FIXDATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/
const RFC850_DATE = /^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/

/**
 * A `Retry-After` value (RFC 9110: delay-seconds or an HTTP-date) as a wait in
 * milliseconds from `nowMs`, capped at `maxRetryAfterMs`; a date in the past is
 * 0. Anything malformed is none.
 */
export const parseRetryAfter = (value: string, nowMs: number): Option.Option<number> => {
  const text = value.trim()
  if (/^\d+$/.test(text)) return Option.some(Math.min(Number(text) * 1000, maxRetryAfterMs))
  if (!IMF_FIXDATE.test(text) && !RFC850_DATE.test(text) && !ASCTIME_DATE.test(text)) return Option.none()
  const at = Date.parse(ASCTIME_DATE.test(text) ? `${text} GMT` : text)
  if (Number.isNaN(at)) return Option.none()
  return Option.some(Math.min(Math.max(0, at - nowMs), maxRetryAfterMs))
}

/**
 * The wait a response asks for: its `Retry-After` (header name in any case)
 * when the status is 429 or 503, otherwise none.
 */
export const retryAfterOf = (
  status: number,
  headers: Readonly<Record<string, string>>,
  nowMs: number
): Option.Option<number> => {
  if (!retryAfterStatuses.has(status)) return Option.none()
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === "retry-after")
  return entry === undefined ? Option.none() : parseRetryAfter(entry[1], nowMs)
}

/** The wait before the next attempt: the (jittered) schedule delay, but no less than what the receiver asked for. */
export const withRetryAfter = (delayMs: number, retryAfterMs: Option.Option<number>): number =>
  Option.match(retryAfterMs, { onNone: () => delayMs, onSome: (wait) => Math.max(delayMs, wait) })
