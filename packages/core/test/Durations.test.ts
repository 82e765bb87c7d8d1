/**
 * The one duration parser every duration variable uses (each variable is
 * checked through its config in apps/api/test/DurationVariables.test.ts).
 */
import { ConfigProvider, Effect, Either } from "effect"
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

describe("Durations.config", () => {
  const read = (env: Record<string, string>) =>
    Effect.runSync(
      Effect.either(
        Durations.config("HERALD_SOME_WAIT", { defaultMs: 30_000, minMs: 1_000, maxMs: 3_600_000, description: "a wait" }).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
        )
      )
    )
  const error = (env: Record<string, string>) => {
    const result = read(env)
    return Either.isLeft(result) ? String(result.left) : "(accepted)"
  }

  it("reads the variable in milliseconds, with its default", () => {
    expect(read({})).toEqual(Either.right(30_000))
    expect(read({ HERALD_SOME_WAIT: "2m" })).toEqual(Either.right(120_000))
  })

  it("names the variable, what was wrong and what is accepted", () => {
    expect(error({ HERALD_SOME_WAIT: "soon" })).toContain("HERALD_SOME_WAIT")
    expect(error({ HERALD_SOME_WAIT: "soon" })).toContain("expected a duration, got \"soon\"")
    expect(error({ HERALD_SOME_WAIT: "500ms" })).toContain("must be from 1s to 1h")
    expect(error({ HERALD_SOME_WAIT: "2h" })).toContain("must be from 1s to 1h")
  })
})

describe("Durations.config defaults", () => {
  // Durations.format writes these as "1m 30s", "1s 500ms" and "0", which Durations.parse does not read.
  it.each([90_000, 1_500, 0])("%d ms: used when the variable is unset, the variable still read when set", (ms) => {
    const config = Durations.config("HERALD_SOME_WAIT", { defaultMs: ms, minMs: 0, description: "a wait" })
    const read = (env: Record<string, string>) =>
      Effect.runSync(Effect.either(Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env))))))
    expect(read({})).toEqual(Either.right(ms))
    expect(read({ HERALD_SOME_WAIT: "2m" })).toEqual(Either.right(120_000))
    expect(Either.isLeft(read({ HERALD_SOME_WAIT: "soon" }))).toBe(true)
  })
})
