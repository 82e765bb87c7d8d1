import { describe, expect, it } from "vitest"
import { formatNumber, markdownLines, row, tableLines } from "../src/Report.js"

describe("row", () => {
  it("takes the ratio to the baseline and judges the target on the figure", () => {
    const judged = row({
      scenario: "s",
      metric: "m",
      unit: "/s",
      herald: 3_300,
      baseline: { name: "naive", value: 1_100 },
      target: { op: ">=", value: 3_000 }
    })
    expect(judged.ratio).toBeCloseTo(3)
    expect(judged.pass).toBe(true)
  })

  it("judges a ratio target on the ratio", () => {
    const judged = row({
      scenario: "s",
      metric: "m",
      unit: "MB",
      herald: 130,
      baseline: { name: "small", value: 100 },
      target: { op: "<=", value: 1.2, onRatio: true }
    })
    expect(judged.pass).toBe(false)
  })

  it("judges a strict target strictly", () => {
    const at = (herald: number) => row({ scenario: "s", metric: "m", unit: "B", herald, target: { op: "<", value: 50 } }).pass
    expect([at(49.9), at(50), at(51)]).toEqual([true, false, false])
  })

  it("gives no ratio to a zero baseline and no verdict to a missing figure", () => {
    const judged = row({
      scenario: "s",
      metric: "m",
      unit: "ms",
      herald: Number.NaN,
      baseline: { name: "zero", value: 0 },
      target: { op: "<=", value: 10 }
    })
    expect(judged.ratio).toBeUndefined()
    expect(judged.pass).toBeUndefined()
  })
})

describe("formatNumber", () => {
  it("keeps three significant figures and separates thousands", () => {
    expect(formatNumber(12_345.6)).toBe("12,346")
    expect(formatNumber(123.4)).toBe("123")
    expect(formatNumber(12.34)).toBe("12.3")
    expect(formatNumber(1.234)).toBe("1.23")
    expect(formatNumber(0.01234)).toBe("0.012")
    expect(formatNumber(Number.NaN)).toBe("n/a")
  })
})

describe("tables", () => {
  const rows = [row({ scenario: "e2e", metric: "rate", unit: "/s", herald: 2_000, target: { op: ">=", value: 3_000 }, note: "busy" })]

  it("prints aligned columns with the verdict", () => {
    const lines = tableLines(rows)
    expect(lines).toHaveLength(3)
    expect(lines[2]).toContain("FAIL")
    expect(lines[2]).toContain(">= 3,000 /s")
    expect(lines[2]).toContain("busy")
  })

  it("writes the same rows as Markdown", () => {
    expect(markdownLines(rows)[2]).toBe("| e2e | rate | 2,000 /s |  |  | >= 3,000 /s | FAIL | busy |")
  })
})
