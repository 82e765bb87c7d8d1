import { describe, expect, it } from "vitest"
import { percentile, rate, summarize } from "../src/Stats.js"

describe("percentile", () => {
  it("is the nearest rank", () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    expect(percentile(sorted, 50)).toBe(5)
    expect(percentile(sorted, 95)).toBe(10)
    expect(percentile(sorted, 10)).toBe(1)
    expect(percentile(sorted, 11)).toBe(2)
    expect(percentile(sorted, 0)).toBe(1)
    expect(percentile(sorted, 100)).toBe(10)
  })

  it("is NaN without samples", () => {
    expect(percentile([], 50)).toBeNaN()
  })
})

describe("summarize", () => {
  it("sorts numerically, not as strings", () => {
    const summary = summarize([100, 9, 20, 3])
    expect(summary).toMatchObject({ count: 4, min: 3, max: 100, p50: 9, mean: 33 })
  })
})

describe("rate", () => {
  it("is per second", () => {
    expect(rate(3_000, 1_500)).toBe(2_000)
    expect(rate(1, 0)).toBeNaN()
  })
})
