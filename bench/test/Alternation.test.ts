import { describe, expect, it } from "vitest"
import { order, pairRatios, sideMedian } from "../src/Alternation.js"
import { median } from "../src/Stats.js"

describe("order", () => {
  it("flips the order from one pair to the next", () => {
    expect(order(3, "naive", "herald")).toEqual(["naive", "herald", "herald", "naive", "naive", "herald"])
    expect(order(1, "a", "b")).toEqual(["a", "b"])
  })
})

describe("pairRatios", () => {
  const runs = [
    { side: "naive", rate: 100 },
    { side: "herald", rate: 90 },
    { side: "herald", rate: 120 },
    { side: "naive", rate: 100 },
    { side: "naive", rate: 50 }
  ]

  it("divides within each pair whatever its order, and leaves an incomplete pair out", () => {
    expect(pairRatios(runs, "herald", (run) => run.rate)).toEqual([0.9, 1.2])
  })

  it("takes each side's median apart", () => {
    expect(sideMedian(runs, "naive", (run) => run.rate)).toBe(100)
    expect(sideMedian(runs, "herald", (run) => run.rate)).toBe(90)
  })
})

describe("median", () => {
  it("is the middle value, the lower one for an even count", () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2)
    expect(median([])).toBeNaN()
  })
})
