/**
 * Conformance suite for `RateLimiter` adapters: an exact sliding window per key.
 * Requests fill up to the limit, a full window refuses without counting the
 * refusal, and slots free one at a time as the requests that took them age out.
 *
 * The tests drive time with `TestClock` (adapters read "now" from `Clock`), from
 * a realistic epoch so stores see 13-digit millisecond times. Windows are long
 * (10 seconds and more) because a store may also expire data on the wall clock
 * (Redis PEXPIRE): a slow machine must not change an outcome.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, type Layer, TestClock } from "effect"
import { RateLimiter } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

const minute: RateLimiter.RateLimitRule = { limit: 3, windowMs: 60_000 }

/** A fresh key per test: suites never see each other's windows. */
const freshKey = (route = "POST /v1/webhooks") => `${Fixtures.teamspace()}:${route}`

/**
 * Registers the `RateLimiter` conformance tests under `name` (vitest `describe`), each on a fresh
 * build of `layer`, the adapter under test. Run it from a one-line test file in each adapter
 * package; a failing test names the behaviour the adapter breaks.
 */
export const suite = (name: string, layer: Layer.Layer<RateLimiter.RateLimiter, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: Effect.Effect<A, E, RateLimiter.RateLimiter>) =>
      it.effect(title, () => Effect.provide(Effect.zipRight(TestClock.setTime(Fixtures.baseTime), body), layer))

    /** Moves the TestClock to `baseTime + offset`. */
    const at = (offset: number) => TestClock.setTime(Fixtures.baseTime + offset)
    const t = (offset: number) => Fixtures.baseTime + offset

    test(
      "allows up to the limit, counting remaining down, then refuses until the oldest request ages out",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const key = freshKey()
        expect(yield* limiter.consume(key, minute)).toEqual({ allowed: true, limit: 3, remaining: 2, resetAt: t(60_000) })
        yield* at(10_000)
        expect(yield* limiter.consume(key, minute)).toEqual({ allowed: true, limit: 3, remaining: 1, resetAt: t(60_000) })
        yield* at(20_000)
        expect(yield* limiter.consume(key, minute)).toEqual({ allowed: true, limit: 3, remaining: 0, resetAt: t(60_000) })
        yield* at(30_000)
        expect(yield* limiter.consume(key, minute)).toEqual({
          allowed: false,
          limit: 3,
          remaining: 0,
          resetAt: t(60_000),
          retryAfterMs: 30_000
        })
      })
    )

    test(
      "a request with a cost takes that many slots, all or none, and is refused until that many are free",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const key = freshKey()
        expect(yield* limiter.consume(key, minute, 2)).toEqual({ allowed: true, limit: 3, remaining: 1, resetAt: t(60_000) })
        yield* at(10_000)
        expect(yield* limiter.consume(key, minute, 2)).toEqual({
          allowed: false,
          limit: 3,
          remaining: 0,
          resetAt: t(60_000),
          retryAfterMs: 50_000
        })
        expect(yield* limiter.consume(key, minute, 1)).toEqual({ allowed: true, limit: 3, remaining: 0, resetAt: t(60_000) })
        // Two slots free when the two oldest (both of the first request's) have aged out; three when this one's has too.
        yield* at(20_000)
        expect(yield* limiter.consume(key, minute, 2)).toMatchObject({ allowed: false, resetAt: t(60_000) })
        expect(yield* limiter.consume(key, minute, 3)).toMatchObject({ allowed: false, resetAt: t(70_000) })
        yield* at(70_000)
        expect(yield* limiter.consume(key, minute, 2)).toEqual({ allowed: true, limit: 3, remaining: 1, resetAt: t(130_000) })
        // More than the limit never fits.
        expect((yield* limiter.consume(freshKey(), minute, 4)).allowed).toBe(false)
      })
    )

    test(
      "the window slides: each slot frees exactly one window after its request, one at a time",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const key = freshKey()
        for (const offset of [0, 10_000, 20_000]) {
          yield* at(offset)
          expect((yield* limiter.consume(key, minute)).allowed).toBe(true)
        }
        yield* at(59_999)
        expect(yield* limiter.consume(key, minute)).toMatchObject({ allowed: false, retryAfterMs: 1, resetAt: t(60_000) })
        // The request of t=0 leaves the window: one slot, not three.
        yield* at(60_000)
        expect(yield* limiter.consume(key, minute)).toEqual({ allowed: true, limit: 3, remaining: 0, resetAt: t(70_000) })
        expect(yield* limiter.consume(key, minute)).toMatchObject({ allowed: false, retryAfterMs: 10_000, resetAt: t(70_000) })
        yield* at(69_999)
        expect((yield* limiter.consume(key, minute)).allowed).toBe(false)
        yield* at(70_000)
        expect(yield* limiter.consume(key, minute)).toMatchObject({ allowed: true, remaining: 0, resetAt: t(80_000) })
        // Long after the last request the whole limit is back.
        yield* at(200_000)
        expect(yield* limiter.consume(key, minute)).toEqual({ allowed: true, limit: 3, remaining: 2, resetAt: t(260_000) })
      })
    )

    test(
      "a refused request does not use up a slot",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const key = freshKey()
        const rule = { limit: 2, windowMs: 60_000 }
        yield* limiter.consume(key, rule)
        yield* limiter.consume(key, rule)
        for (let offset = 1_000; offset < 60_000; offset += 1_000) {
          yield* at(offset)
          expect(yield* limiter.consume(key, rule)).toMatchObject({ allowed: false, retryAfterMs: 60_000 - offset })
        }
        // Had the refusals counted, the window would still be full.
        yield* at(60_000)
        expect(yield* limiter.consume(key, rule)).toMatchObject({ allowed: true, remaining: 1 })
        expect(yield* limiter.consume(key, rule)).toMatchObject({ allowed: true, remaining: 0 })
        expect((yield* limiter.consume(key, rule)).allowed).toBe(false)
      })
    )

    test(
      "keys are independent",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const teamspace = Fixtures.teamspace()
        const [post, get, other] = [`${teamspace}:POST /v1/webhooks`, `${teamspace}:GET /v1/webhooks`, freshKey()]
        for (let i = 0; i < 3; i++) yield* limiter.consume(post, minute)
        expect((yield* limiter.consume(post, minute)).allowed).toBe(false)
        expect(yield* limiter.consume(get, minute)).toMatchObject({ allowed: true, remaining: 2 })
        expect(yield* limiter.consume(other, minute)).toMatchObject({ allowed: true, remaining: 2 })
      })
    )

    test(
      "the window is the rule's: 50 per 10 seconds frees its slots after 10 seconds",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const key = freshKey("webhook:deliveries")
        // Not a per-second window: Redis expires the key on the wall clock, and
        // a slow machine must not let it go while the TestClock stands still.
        const rule = { limit: 50, windowMs: 10_000 }
        for (let i = 0; i < 50; i++) {
          expect(yield* limiter.consume(key, rule)).toMatchObject({ allowed: true, remaining: 49 - i })
        }
        expect(yield* limiter.consume(key, rule)).toMatchObject({ allowed: false, retryAfterMs: 10_000 })
        yield* at(9_999)
        expect((yield* limiter.consume(key, rule)).allowed).toBe(false)
        yield* at(10_000)
        // All fifty were made in the same millisecond, so all fifty slots free together.
        expect(yield* limiter.consume(key, rule)).toMatchObject({ allowed: true, remaining: 49 })
      })
    )

    test(
      "concurrent requests on one key never exceed the limit, even within one millisecond",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const key = freshKey()
        const rule = { limit: 10, windowMs: 60_000 }
        const decisions = yield* Effect.all(Array.from({ length: 50 }, () => limiter.consume(key, rule)), {
          concurrency: "unbounded"
        })
        const allowed = decisions.filter((decision) => decision.allowed)
        expect(allowed).toHaveLength(10)
        expect(allowed.map((decision) => decision.remaining).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        for (const decision of decisions.filter((decision) => !decision.allowed)) {
          expect(decision).toMatchObject({ remaining: 0, retryAfterMs: 60_000 })
        }
        // The ten are stored as ten requests (same-millisecond requests kept apart): still full.
        yield* at(59_999)
        expect((yield* limiter.consume(key, rule)).allowed).toBe(false)
      })
    )

    test(
      "after the limit is lowered, a retry waits until enough requests have aged out",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const key = freshKey()
        for (let i = 0; i < 5; i++) {
          yield* at(i * 1_000)
          yield* limiter.consume(key, { limit: 5, windowMs: 60_000 })
        }
        // Five in the window, room for two: the count must fall to one, so the
        // requests of t=0 to t=3s must all age out.
        const lowered = { limit: 2, windowMs: 60_000 }
        expect(yield* limiter.consume(key, lowered)).toMatchObject({
          allowed: false,
          limit: 2,
          resetAt: t(63_000),
          retryAfterMs: 59_000
        })
        yield* at(62_999)
        expect((yield* limiter.consume(key, lowered)).allowed).toBe(false)
        yield* at(63_000)
        expect(yield* limiter.consume(key, lowered)).toMatchObject({ allowed: true, remaining: 0, resetAt: t(64_000) })
      })
    )

    test(
      "an invalid rule is a defect",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        for (const rule of [{ limit: 0, windowMs: 1_000 }, { limit: 1.5, windowMs: 1_000 }, { limit: 5, windowMs: 0 }]) {
          const exit = yield* Effect.exit(limiter.consume(freshKey(), rule))
          expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
          expect(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "").toContain("invalid rate limit rule")
        }
      })
    )

    test(
      "reserve never refuses: each request gets the next slot that keeps every window within the limit",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const key = freshKey("deliveries")
        const rule = { limit: 2, windowMs: 10_000 }
        const waits: Array<number> = []
        for (let n = 0; n < 7; n++) waits.push(yield* limiter.reserve(key, rule, `job-${n}`))
        // Two per window: now, now, then one window later, and so on.
        expect(waits).toEqual([0, 0, 10_000, 10_000, 20_000, 20_000, 30_000])
        // Later, the log has aged: the slots of 20 s still count, so the next is at 30 s beside job-6.
        yield* at(25_000)
        expect(yield* limiter.reserve(key, rule, "job-7")).toBe(5_000)
        yield* at(60_001)
        expect(yield* limiter.reserve(key, rule, "job-8")).toBe(0)
        expect(yield* limiter.reserve(key, rule, "job-9")).toBe(0)
        expect(yield* limiter.reserve(key, rule, "job-10")).toBe(10_000)
      })
    )

    test(
      "reserve again for a holder returns what is left of its wait, never a second slot",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const key = freshKey("deliveries")
        const rule = { limit: 1, windowMs: 10_000 }
        expect(yield* limiter.reserve(key, rule, "a")).toBe(0)
        expect(yield* limiter.reserve(key, rule, "b")).toBe(10_000)
        expect(yield* limiter.reserve(key, rule, "c")).toBe(20_000)
        yield* at(4_000)
        expect(yield* limiter.reserve(key, rule, "b")).toBe(6_000)
        yield* at(10_000)
        expect(yield* limiter.reserve(key, rule, "b")).toBe(0)
        // "a" had aged out of the log, so it gets a new slot, after "c".
        expect(yield* limiter.reserve(key, rule, "a")).toBe(20_000)
        expect(yield* limiter.reserve(key, rule, "c")).toBe(10_000)
      })
    )

    test(
      "concurrent reserves of one key get distinct slots, at most the limit per window",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const key = freshKey("deliveries")
        const rule = { limit: 3, windowMs: 10_000 }
        const waits = yield* Effect.forEach(
          Array.from({ length: 12 }, (_, n) => `job-${n}`),
          (holder) => limiter.reserve(key, rule, holder),
          { concurrency: "unbounded" }
        )
        expect([...waits].sort((a, b) => a - b)).toEqual([0, 0, 0, 10_000, 10_000, 10_000, 20_000, 20_000, 20_000, 30_000, 30_000, 30_000])
      })
    )

    test(
      "reserve with an invalid rule is a defect",
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const exit = yield* Effect.exit(limiter.reserve(freshKey(), { limit: 0, windowMs: 1_000 }, "x"))
        expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      })
    )
  })
