import { describe, expect, it } from "vitest"
import { batchBody, eventBody, rejectedInBatch } from "../src/Publisher.js"

describe("batchBody", () => {
  it("holds `size` events numbered from the first, each a single publish's body", () => {
    const body = JSON.parse(batchBody(10, 3, 42)) as { events: Array<{ event_type: string; data: { seq: number; sent_ms: number } }> }
    expect(body.events.map((event) => event.data.seq)).toEqual([10, 11, 12])
    expect(body.events.every((event) => event.data.sent_ms === 42)).toBe(true)
    expect(body.events[1]).toEqual(JSON.parse(eventBody(11, 42)))
  })
})

describe("rejectedInBatch", () => {
  it("counts the refused results of a batch answer", () => {
    const answer = JSON.stringify({
      object: "batch",
      results: [
        { status: "accepted", event: { id: "a" } },
        { status: "rejected", error: { status_code: 400 } },
        { status: "duplicate", event: { id: "b" } },
        { status: "rejected", error: { status_code: 413 } }
      ]
    })
    expect(rejectedInBatch(answer)).toBe(2)
    expect(rejectedInBatch(`{"object":"batch","results":[]}`)).toBe(0)
  })
})
