// The memory rate limiter against a plain model of a sliding log, and its memory bound.
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, TestClock } from "effect"
import * as fc from "fast-check"
import type { RateLimiter } from "@herald/core"
import { MemoryRateLimiter } from "@herald/memory"

/** The obvious, slow version: all allowed times per key, filtered on every check. */
const model = () => {
  const allowedTimes = new Map<string, Array<number>>()
  return (key: string, rule: RateLimiter.RateLimitRule, now: number): RateLimiter.RateLimitDecision => {
    const inWindow = (allowedTimes.get(key) ?? []).filter((time) => time > now - rule.windowMs)
    if (inWindow.length < rule.limit) {
      const kept = [...inWindow, now]
      allowedTimes.set(key, kept)
      return { allowed: true, limit: rule.limit, remaining: rule.limit - kept.length, resetAt: kept[0]! + rule.windowMs }
    }
    const freesAt = inWindow[inWindow.length - rule.limit]! + rule.windowMs
    return { allowed: false, limit: rule.limit, remaining: 0, resetAt: freesAt, retryAfterMs: freesAt - now }
  }
}

const manualClock = (now: () => number): Clock.Clock => ({
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: now,
  currentTimeMillis: Effect.sync(now),
  unsafeCurrentTimeNanos: () => BigInt(now()) * 1_000_000n,
  currentTimeNanos: Effect.sync(() => BigInt(now()) * 1_000_000n),
  sleep: () => Effect.void
})

const step = fc.record({ key: fc.constantFrom("a", "b", "c"), advance: fc.nat({ max: 400 }) })
const rule = fc.record({ limit: fc.integer({ min: 1, max: 6 }), windowMs: fc.integer({ min: 1, max: 1_000 }) })

describe("MemoryRateLimiter", () => {
  it("decides as the sliding-log model does", async () => {
    await fc.assert(
      fc.asyncProperty(rule, fc.array(step, { maxLength: 120 }), (rule, steps) => {
        // A hand-moved clock: TestClock would do, but each of its moves waits on a real timer.
        let now = 1_767_225_600_000
        return Effect.gen(function*() {
          const limiter = yield* MemoryRateLimiter.make
          const expected = model()
          for (const { key, advance } of steps) {
            now += advance
            expect(yield* limiter.consume(key, rule)).toEqual(expected(key, rule, now))
          }
        }).pipe(Effect.withClock(manualClock(() => now)), Effect.runPromise)
      }),
      { numRuns: 300 }
    )
  })

  it.effect("drops keys whose window has emptied, even if they are never used again", () =>
    Effect.gen(function*() {
      const limiter = yield* MemoryRateLimiter.make
      const rule = { limit: 5, windowMs: 1_000 }
      for (let i = 0; i < 3_000; i++) yield* limiter.consume(`old-${i}`, rule)
      expect(yield* limiter.keys).toBe(3_000)
      yield* TestClock.adjust(1_000)
      for (let i = 0; i < 3_000; i++) yield* limiter.consume(`new-${i}`, rule)
      // The old keys went in a sweep: only the new ones remain.
      expect(yield* limiter.keys).toBe(3_000)
    }))
})
