import { ConfigProvider, Effect, Either, Option } from "effect"
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

  it("reads HERALD_RETRY_SCHEDULE and names it when invalid", async () => {
    const load = (value: string) =>
      Effect.runPromise(
        Effect.either(
          Effect.withConfigProvider(RetrySchedule.config, ConfigProvider.fromMap(new Map([["HERALD_RETRY_SCHEDULE", value]])))
        )
      )
    expect(await load("1s,2s")).toEqual(Either.right([1_000, 2_000]))
    const bad = await load("soon")
    expect(Either.isLeft(bad) && String(bad.left)).toContain("HERALD_RETRY_SCHEDULE")
  })
})
