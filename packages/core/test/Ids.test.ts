import { describe, expect, it } from "vitest"
import { Ids } from "@herald/core"

describe("Ids", () => {
  it("generates prefixed ULIDs that sort by creation time", () => {
    const ids = [1_000, 1_000, 1_000, 2_000, 3_000_000_000_000].map((time) => Ids.makeWebhookId(time))
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(Ids.isWebhookId(id)).toBe(true)
  })

  it("is monotonic within one millisecond", () => {
    const ids = Array.from({ length: 1000 }, () => Ids.makeEventId(42))
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(1000)
  })

  it("ids of distinct milliseconds, past many refills of the random pool, are distinct and well-formed", () => {
    const ids = Array.from({ length: 2_000 }, (_, n) => Ids.makeWebhookId(1_000 + n))
    expect(new Set(ids).size).toBe(ids.length)
    expect(new Set(ids.map((id) => id.slice(-16))).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    for (const id of ids) expect(Ids.isWebhookId(id)).toBe(true)
    expect(ids.map(Ids.timeOf)).toEqual(ids.map((_, n) => 1_000 + n))
  })

  it("recovers the time from an id", () => {
    expect(Ids.timeOf(Ids.makeAttemptId(1_775_847_600_123))).toBe(1_775_847_600_123)
  })

  it("accepts URL-safe publisher event ids and rejects others", () => {
    for (const id of ["evt_7f3d8a2c", "a", "order-42.v2", "X".repeat(128)]) expect(Ids.isEventId(id)).toBe(true)
    for (const id of ["", "_x", "a/b", "a:b", "a b", "é", "X".repeat(129)]) expect(Ids.isEventId(id)).toBe(false)
  })
})
