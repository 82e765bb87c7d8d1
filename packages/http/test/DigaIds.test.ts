import { Ids } from "@herald/core"
import { Option } from "effect"
import { describe, expect, it } from "vitest"
import { fromUuid, isUuid, toUuid } from "../src/profiles/diga/Ids.js"

describe("DigaIds", () => {
  it("shows a webhook id as a UUID and reads it back", () => {
    for (let i = 0; i < 200; i++) {
      const id = Ids.makeWebhookId(Date.now() + i * 7919)
      const uuid = toUuid(id)
      expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(fromUuid(uuid)).toEqual(Option.some(id))
      expect(fromUuid(uuid.toUpperCase())).toEqual(Option.some(id))
      expect(fromUuid(uuid.replace(/-/g, ""))).toEqual(Option.some(id))
    }
  })

  it("keeps the ids' creation order", () => {
    const ids = Array.from({ length: 50 }, (_, i) => Ids.makeWebhookId(1_700_000_000_000 + i))
    const uuids = ids.map(toUuid)
    expect([...uuids].sort()).toEqual(uuids)
  })

  it("maps the extremes", () => {
    expect(toUuid("wh_00000000000000000000000000" as Ids.WebhookId)).toBe("00000000-0000-0000-0000-000000000000")
    expect(toUuid("wh_7ZZZZZZZZZZZZZZZZZZZZZZZZZ" as Ids.WebhookId)).toBe("ffffffff-ffff-ffff-ffff-ffffffffffff")
  })

  it("reads any UUID as a well-formed webhook id, and nothing else", () => {
    const id = fromUuid("3c90c3cc-0d44-4b50-8888-8dd25736052a")
    expect(Option.map(id, Ids.isWebhookId)).toEqual(Option.some(true))
    for (const bad of ["", "nope", "3c90c3cc-0d44-4b50-8888-8dd25736052", "3c90c3cc-0d44-4b50-8888-8dd25736052g", "wh_01JZZZZZZZZZZZZZZZZZZZZZZZ"]) {
      expect(isUuid(bad)).toBe(false)
      expect(fromUuid(bad)).toEqual(Option.none())
    }
  })
})
