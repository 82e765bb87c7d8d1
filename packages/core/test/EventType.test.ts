import { describe, expect, it } from "vitest"
import { EventType } from "@herald/core"

describe("an unknown event type's message", () => {
  const catalog = EventType.makeCatalog({
    datagrid: ["a.one", "a.two"],
    exa: Array.from({ length: 30 }, (_, n) => `exa.type_${n}`),
    diga: ["status_changed"]
  })

  it("names the type, the profile's accepted types and the variable that sets them", () => {
    expect(EventType.describeUnknownWithAccepted(catalog, "order.created", "datagrid")).toBe(
      "unknown event type \"order.created\": accepted are a.one, a.two (set by HERALD_EVENT_TYPES_DATAGRID)"
    )
  })

  it("lists at most 20 types, and counts the rest", () => {
    const message = EventType.describeUnknownWithAccepted(catalog, "nope", "exa")
    expect(message).toContain("exa.type_19 and 10 more (set by HERALD_EVENT_TYPES_EXA)")
    expect(message).not.toContain("exa.type_20")
  })

  it("when publishing, says every profile's types are accepted, and which variables set them", () => {
    const message = EventType.describeUnknownWithAccepted(catalog, "nope")
    expect(message).toMatch(/^unknown event type "nope": accepted are a\.one, a\.two, exa\.type_0, /)
    expect(message).toContain(" and 13 more (set by HERALD_EVENT_TYPES_DATAGRID, HERALD_EVENT_TYPES_EXA, HERALD_EVENT_TYPES_DIGA)")
  })

  it("quotes at most 128 characters of the type it refuses", () => {
    const message = EventType.describeUnknown("x".repeat(100_000))
    expect(message).toBe(`unknown event type "${"x".repeat(128)}..."`)
  })
})
