/**
 * Port: a sliding-window rate limiter. Each `consume` checks one request
 * against a rule (at most `limit` requests in any `windowMs`) and counts it only
 * when it is allowed, atomically, so concurrent callers (several API processes
 * on one Redis included) never let more than `limit` through.
 *
 * The window is an exact sliding log: a request at time t occupies a slot for
 * [t, t + windowMs). Unlike a fixed window there is no burst of 2 x limit across
 * a boundary, and slots free one by one as their requests age out, not all at
 * once. It costs one entry per allowed request in the window, which is bounded
 * by `limit`.
 *
 * The rule is an argument, not adapter configuration: the API limits a
 * (teamspace, route, method) per minute, the worker a webhook's deliveries per
 * second, over the same store. A key should always be used with the same rule;
 * if the rule of a key changes, requests already in the window keep counting
 * against the new rule for as long as the new window covers them.
 *
 * Time: adapters read "now" from Effect's `Clock` and pass it down (to the Lua
 * script on Redis) rather than asking the store for its own time. Tests can then
 * drive the window with `TestClock`, and every process of one host agrees on
 * time. Across hosts the limit is as exact as their clocks are synchronised
 * (NTP keeps that to milliseconds, small against any useful window).
 */
import { Context, Effect } from "effect"

/** A sliding-window rule: at most `limit` requests in any `windowMs`. */
export interface RateLimitRule {
  /** Requests allowed in any window; a positive integer. */
  readonly limit: number
  /** The window's length in milliseconds; a positive integer. */
  readonly windowMs: number
}

interface Quota {
  readonly limit: number
  /** Requests still allowed in the window after this one (0 when refused). */
  readonly remaining: number
  /**
   * When (epoch ms) the next slot frees: the oldest request in the window ages
   * out. After a refusal it is when a retry can succeed. For `X-RateLimit-Reset`.
   */
  readonly resetAt: number
}

/** The request is counted: go ahead. */
export interface Allowed extends Quota {
  readonly allowed: true
}

/** The window is full; the request was not counted. */
export interface Refused extends Quota {
  readonly allowed: false
  /** Milliseconds until a retry can succeed (`resetAt - now`), at least 1. For `Retry-After`. */
  readonly retryAfterMs: number
}

/** What `RateLimiterShape.consume` decided: `Allowed` (counted) or `Refused` (with when to retry). */
export type RateLimitDecision = Allowed | Refused

/**
 * What a rate limiter adapter implements (`MemoryRateLimiter`, `RedisRateLimiter`): `consume`
 * checks and counts a request, `reserve` schedules one. Each key should always be used with the
 * same rule.
 */
export interface RateLimiterShape {
  /**
   * Checks one request against `rule` under `key` and counts it if allowed.
   * A refused request does not use up a slot. Dies on an invalid rule.
   * `cost` (default 1): the slots the request takes, all or none (a batch's
   * events); a refusal's `resetAt` is when that many are free.
   */
  readonly consume: (key: string, rule: RateLimitRule, cost?: number) => Effect.Effect<RateLimitDecision>
  /**
   * Schedules one request under `key` instead of refusing it: reserves the
   * earliest time, at or after now, that keeps every window of the log within
   * `rule`, and returns the milliseconds to wait for it (0: go now). `holder`
   * names the request: reserving again for a holder whose slot is still in the
   * log returns what is left of the wait for that slot, so a caller that waited
   * and came back is not rescheduled. Each request gets its own future slot, so
   * a backlog wakes once per request rather than retrying in a herd. Use a key
   * with `consume` or with `reserve`, not both. Dies on an invalid rule.
   */
  readonly reserve: (key: string, rule: RateLimitRule, holder: string) => Effect.Effect<number>
}

/**
 * The rate limiter port. Provided by an adapter layer; the HTTP edge limits API requests with it,
 * the `Dispatcher` a webhook's deliveries.
 */
export class RateLimiter extends Context.Tag("@herald/core/RateLimiter")<RateLimiter, RateLimiterShape>() {}

/** Dies unless `limit` and `windowMs` are positive integers: a bad rule is a configuration bug. */
export const validateRule = (rule: RateLimitRule): Effect.Effect<void> =>
  Number.isSafeInteger(rule.limit) && rule.limit >= 1 && Number.isSafeInteger(rule.windowMs) && rule.windowMs >= 1
    ? Effect.void
    : Effect.dieMessage(`invalid rate limit rule: limit ${rule.limit} per ${rule.windowMs} ms`)

/** A request's cost as a count of slots: a whole number, at least 1. */
export const slots = (cost: number | undefined): number =>
  cost === undefined || !Number.isFinite(cost) ? 1 : Math.max(1, Math.floor(cost))

/**
 * The slot `reserve` gives a new request: now, unless the log already holds
 * `limit` requests that a window ending at the new slot would contain; then the
 * first time the one of them that must age out first (the `limit`-th newest,
 * `times[times.length - limit]`, times ascending) has left the window.
 */
export const nextSlot = (rule: RateLimitRule, now: number, times: ReadonlyArray<number>): number =>
  times.length < rule.limit ? now : Math.max(now, times[times.length - rule.limit]! + rule.windowMs)

/**
 * The decision, from the window as a check left it: `count` requests in it
 * (this one included when allowed) and `slotFreesAt`, when the next slot frees:
 * when allowed, the oldest request's end; when refused, the end of the request
 * whose ageing out brings the count under the limit (the oldest, unless the
 * rule was lowered while the window held more).
 * Shared by the adapters so they cannot disagree on the arithmetic.
 */
export const decide = (
  rule: RateLimitRule,
  now: number,
  state: { readonly allowed: boolean; readonly count: number; readonly slotFreesAt: number }
): RateLimitDecision =>
  state.allowed
    ? { allowed: true, limit: rule.limit, remaining: Math.max(0, rule.limit - state.count), resetAt: state.slotFreesAt }
    : {
      allowed: false,
      limit: rule.limit,
      remaining: 0,
      resetAt: state.slotFreesAt,
      // Pruning keeps only requests younger than the window, so the slot frees after `now`.
      retryAfterMs: Math.max(1, state.slotFreesAt - now)
    }
