import { describe, expect, it } from "vitest"
import type { Webhook } from "../src/site/Api.js"
import { changesOf, checkValues } from "../src/site/EndpointValues.js"

const webhook: Webhook = {
  id: "wh_1",
  url: "https://example.com/a",
  events: ["a", "b"],
  enabled: true,
  rate_limit: 10,
  created_at: "2026-12-01T00:00:00.000Z",
  updated_at: "2026-12-01T00:00:00.000Z"
}
const values = { url: "https://example.com/a", events: ["b", "a"], ordered: false, rateLimit: "10" }

describe("checkValues", () => {
  it("accepts a full form", () => {
    expect(checkValues(values)).toEqual({})
  })

  it("names each field that is wrong", () => {
    expect(Object.keys(checkValues({ url: "", events: [], ordered: false, rateLimit: "0" }))).toEqual(["url", "events", "rate_limit"])
    expect(Object.keys(checkValues({ ...values, url: "example.com", rateLimit: "1.5" }))).toEqual(["url", "rate_limit"])
    expect(checkValues({ ...values, rateLimit: "10001" })["rate_limit"]).toMatch(/1 to 10000/)
  })
})

describe("changesOf", () => {
  it("sends nothing when nothing changed (event order aside)", () => {
    expect(changesOf(webhook, values)).toEqual({})
  })

  it("sends only what changed, null to remove the rate limit", () => {
    expect(changesOf(webhook, { url: " https://example.com/b ", events: ["a"], ordered: true, rateLimit: "" })).toEqual({
      url: "https://example.com/b",
      events: ["a"],
      ordered: true,
      rate_limit: null
    })
  })
})
