import { Effect, Either, Option, Random } from "effect"
import { describe, expect, it } from "vitest"
import { RetrySchedule } from "@herald/core"

describe("RetrySchedule", () => {
  it("parses the default schedule into milliseconds", () => {
    expect(RetrySchedule.parse(RetrySchedule.defaultSchedule)).toEqual(
      Either.right([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])
    )
    expect(RetrySchedule.parse(" 250ms , 1.5s,1d ")).toEqual(Either.right([250, 1_500, 86_400_000]))
  })

  it.each(["", "5", "5x", "5s,,5s", "-1s", "8d", Array(51).fill("1s").join(",")])("rejects %j", (text) => {
    expect(Either.isLeft(RetrySchedule.parse(text))).toBe(true)
  })

  it("gives the delay before each attempt and none past the end", () => {
    const schedule = RetrySchedule.make([0, 100])
    expect(schedule.delayBefore(1)).toEqual(Option.some(0))
    expect(schedule.delayBefore(2)).toEqual(Option.some(100))
    expect(schedule.delayBefore(3)).toEqual(Option.none())
  })

  describe("jitter", () => {
    const sample = (delay: number, seed: string, n = 2_000) =>
      Effect.runSync(
        Effect.replicateEffect(RetrySchedule.jitter(delay), n).pipe(Effect.withRandom(Random.make(seed)))
      )

    it("keeps every delay within ±10% of nominal, and spreads it", () => {
      const values = sample(10_000, "jitter-bounds")
      expect(Math.min(...values)).toBeGreaterThanOrEqual(9_000)
      expect(Math.max(...values)).toBeLessThanOrEqual(11_000)
      // Spread over both sides, not a constant.
      expect(values.some((v) => v < 9_500)).toBe(true)
      expect(values.some((v) => v > 10_500)).toBe(true)
    })

    it("is reproducible with a seeded Random", () => {
      expect(sample(60_000, "same-seed", 20)).toEqual(sample(60_000, "same-seed", 20))
    })

    it("leaves 0 (an immediate attempt) at 0", () => {
      expect(sample(0, "zero", 50).every((v) => v === 0)).toBe(true)
    })

    it("jittered follows the schedule and ends with it", () => {
      const schedule = RetrySchedule.make([0, 1_000])
      const run = (attempt: number) =>
        Effect.runSync(RetrySchedule.jittered(schedule, attempt).pipe(Effect.withRandom(Random.make("s"))))
      expect(run(1)).toEqual(Option.some(0))
      const second = Option.getOrThrow(run(2))
      expect(second).toBeGreaterThanOrEqual(900)
      expect(second).toBeLessThanOrEqual(1_100)
      expect(run(3)).toEqual(Option.none())
      // delayBefore is still the nominal delay.
      expect(schedule.delayBefore(2)).toEqual(Option.some(1_000))
    })
  })

  describe("Retry-After", () => {
    const now = Date.parse("2026-01-01T00:00:00Z")

    it("parses delay-seconds", () => {
      expect(RetrySchedule.parseRetryAfter("1", now)).toEqual(Option.some(1_000))
      expect(RetrySchedule.parseRetryAfter(" 120 ", now)).toEqual(Option.some(120_000))
      expect(RetrySchedule.parseRetryAfter("0", now)).toEqual(Option.some(0))
    })

    it("parses HTTP-dates (IMF-fixdate, RFC 850, asctime); a past date is 0", () => {
      expect(RetrySchedule.parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toEqual(Option.some(30_000))
      expect(RetrySchedule.parseRetryAfter("Thursday, 01-Jan-26 00:01:00 GMT", now)).toEqual(Option.some(60_000))
      expect(RetrySchedule.parseRetryAfter("Thu Jan  1 00:00:05 2026", now)).toEqual(Option.some(5_000))
      expect(RetrySchedule.parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toEqual(Option.some(0))
    })

    it.each(["", "soon", "-5", "1.5", "1e3", "0x10", "2026-01-01T00:00:30Z", "Thu, 99 Foo 2026 00:00:30 GMT"])(
      "ignores the malformed %j",
      (value) => {
        expect(RetrySchedule.parseRetryAfter(value, now)).toEqual(Option.none())
      }
    )

    it("caps the wait at one hour", () => {
      expect(RetrySchedule.maxRetryAfterMs).toBe(3_600_000)
      expect(RetrySchedule.parseRetryAfter("86400", now)).toEqual(Option.some(3_600_000))
      expect(RetrySchedule.parseRetryAfter("99999999999999999999", now)).toEqual(Option.some(3_600_000))
      expect(RetrySchedule.parseRetryAfter("Fri, 02 Jan 2026 00:00:00 GMT", now)).toEqual(Option.some(3_600_000))
    })

    it("is honoured on 429 and 503 only, header name in any case", () => {
      const headers = { "Retry-After": "7" }
      expect(RetrySchedule.retryAfterOf(429, headers, now)).toEqual(Option.some(7_000))
      expect(RetrySchedule.retryAfterOf(503, { "retry-after": "7" }, now)).toEqual(Option.some(7_000))
      for (const status of [200, 301, 410, 500, 502]) {
        expect(RetrySchedule.retryAfterOf(status, headers, now)).toEqual(Option.none())
      }
      expect(RetrySchedule.retryAfterOf(429, {}, now)).toEqual(Option.none())
      expect(RetrySchedule.retryAfterOf(429, { "retry-after": "garbage" }, now)).toEqual(Option.none())
    })

    it("stretches the schedule's delay, never shortens it", () => {
      expect(RetrySchedule.withRetryAfter(100, Option.some(1_000))).toBe(1_000)
      expect(RetrySchedule.withRetryAfter(5_000, Option.some(1_000))).toBe(5_000)
      expect(RetrySchedule.withRetryAfter(5_000, Option.none())).toBe(5_000)
    })
  })
})
