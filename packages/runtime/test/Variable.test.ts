/**
 * The readers every variable goes through: a duration (`Durations.parse`) in
 * its range with its default, and the error naming the variable, what was
 * wrong and what is accepted.
 */
import { ConfigProvider, Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Variable from "../src/Variable.js"

describe("Variable.duration", () => {
  const read = (env: Record<string, string>) =>
    Effect.runSync(
      Effect.either(
        Variable.duration("HERALD_SOME_WAIT", { defaultMs: 30_000, minMs: 1_000, maxMs: 3_600_000, description: "a wait" }).pipe(
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

describe("Variable.duration defaults", () => {
  // Durations.format writes these as "1m 30s", "1s 500ms" and "0", which Durations.parse does not read.
  it.each([90_000, 1_500, 0])("%d ms: used when the variable is unset, the variable still read when set", (ms) => {
    const config = Variable.duration("HERALD_SOME_WAIT", { defaultMs: ms, minMs: 0, description: "a wait" })
    const read = (env: Record<string, string>) =>
      Effect.runSync(Effect.either(Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env))))))
    expect(read({})).toEqual(Either.right(ms))
    expect(read({ HERALD_SOME_WAIT: "2m" })).toEqual(Either.right(120_000))
    expect(Either.isLeft(read({ HERALD_SOME_WAIT: "soon" }))).toBe(true)
  })
})
