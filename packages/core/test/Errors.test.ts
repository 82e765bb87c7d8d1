import { describe, expect, it } from "vitest"
import { Errors } from "@herald/core"

describe("Errors", () => {
  it("InvalidInput.of lists the first issues and says how many more, as every profile's message does", () => {
    const issues = Array.from({ length: 13 }, (_, i) => new Errors.Issue({ path: ["events", i], message: `events[${i}] is bad` }))
    const error = Errors.InvalidInput.of(issues)
    expect(error.issues).toHaveLength(Errors.MAX_REPORTED_ISSUES)
    expect(error.total).toBe(13)
    expect(error.message).toMatch(/^events\[0\] is bad; .*; events\[9\] is bad; and 3 more issues$/)
    expect(Errors.InvalidInput.of(issues.slice(0, 11)).message).toMatch(/; and 1 more issue$/)
    expect(Errors.InvalidInput.of(issues.slice(0, 2)).message).toBe("events[0] is bad; events[1] is bad")
  })

  it("fieldName writes a path as the field was sent", () => {
    expect(Errors.fieldName(["events", 2])).toBe("events[2]")
    expect(Errors.fieldName(["metadata", "plan"])).toBe("metadata.plan")
    expect(Errors.fieldName(["metadata", "a b", 0])).toBe("metadata[\"a b\"][0]")
    expect(Errors.fieldName(["x".repeat(50)])).toBe(`${"x".repeat(40)}...`)
  })
})
