import { Either } from "effect"
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
      "unknown event type \"order.created\": accepted are a.one, a.two (set by HERALD_EVENT_TYPES_DATAGRID, or the eventTypes setting; register more with POST /v1/event-types)"
    )
  })

  it("lists at most 20 types, and counts the rest", () => {
    const message = EventType.describeUnknownWithAccepted(catalog, "nope", "exa")
    expect(message).toContain("exa.type_19 and 10 more (set by HERALD_EVENT_TYPES_EXA, or the eventTypes setting; register more with POST /v1/event-types)")
    expect(message).not.toContain("exa.type_20")
  })

  it("when publishing, says every profile's types are accepted, and which variables set them", () => {
    const message = EventType.describeUnknownWithAccepted(catalog, "nope")
    expect(message).toMatch(/^unknown event type "nope": accepted are a\.one, a\.two, exa\.type_0, /)
    expect(message).toContain(" and 13 more (set by HERALD_EVENT_TYPES_DATAGRID, HERALD_EVENT_TYPES_EXA, HERALD_EVENT_TYPES_DIGA, or the eventTypes setting; register more with POST /v1/event-types)")
  })

  it("quotes at most 128 characters of the type it refuses", () => {
    const message = EventType.describeUnknown("x".repeat(100_000))
    expect(message).toBe(`unknown event type "${"x".repeat(128)}..."`)
  })
})

describe("an event-type filter", () => {
  it("reads a comma-separated parameter, skipping blank entries", () => {
    expect(EventType.parseFilter(" a.b, ,c_d.e ", "event_type")).toEqual(Either.right(["a.b", "c_d.e"]))
  })

  it("names the parameter as sent, and the entry that is not an event type, cut short", () => {
    const refused = EventType.parseFilter(`a.b,${"X".repeat(10_000)}`, "event_type")
    expect(Either.isLeft(refused) && refused.left.issues).toEqual([{
      path: ["event_type"],
      message: `event_type must be event types separated by commas, each lowercase words joined by dots (like invoice.paid,invoice.voided), not "${
        "X".repeat(40)
      }..."`
    }])
  })

  it("in a list, names the entry's index", () => {
    const refused = EventType.parseFilter(["a.b", "Bad"], "types")
    expect(Either.isLeft(refused) && refused.left.issues.map((issue) => issue.path)).toEqual([["types", 1]])
  })
})
