/**
 * The one duration parser every duration variable uses (each variable is
 * checked as the environment gives it in packages/runtime/test/DurationVariables.test.ts).
 */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { Durations } from "@herald/core"

describe("Durations.parse", () => {
  it.each([
    ["500ms", 500],
    ["5s", 5_000],
    ["1.5s", 1_500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["1d", 86_400_000],
    ["0s", 0],
    [" 5s ", 5_000],
    ["5 seconds", 5_000],
    ["1 second", 1_000],
    ["250 millis", 250],
    ["2 minutes", 120_000],
    ["1 week", 604_800_000]
  ] as const)("reads %j as %d ms", (text, ms) => {
    expect(Durations.parse(text)).toEqual(Either.right(ms))
  })

  it.each(["", "5", "5x", "-1s", "s", "1 fortnight", "5 seconds ago", "1e3s", "-5 seconds", "Infinity seconds"])(
    "refuses %j, saying what is accepted",
    (text) => {
      const result = Durations.parse(text)
      expect(Either.isLeft(result) ? result.left : "(accepted)").toContain("500ms, 5s, 2m, 1h, 1d or 5 seconds")
    }
  )
})
