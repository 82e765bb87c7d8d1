import { describe, expect, it } from "vitest"
import { nativeWebhookId } from "../src/site/Ids.js"

describe("nativeWebhookId", () => {
  // Pairs made with @herald/http's profiles/diga/Ids.ts toUuid.
  it("turns a Diga UUID back into the wh_ id it shows", () => {
    expect(nativeWebhookId("019aee6f-c874-2f4f-e4a8-4b230cd4380f")).toBe("wh_01KBQ6ZJ3M5X7Y9A2B4C6D8E0F")
    expect(nativeWebhookId("019AEE6FC8742F4FE4A84B230CD4380F")).toBe("wh_01KBQ6ZJ3M5X7Y9A2B4C6D8E0F")
    expect(nativeWebhookId("00000000-0000-0000-0000-000000000000")).toBe("wh_00000000000000000000000000")
    expect(nativeWebhookId("ffffffff-ffff-ffff-ffff-ffffffffffff")).toBe("wh_7ZZZZZZZZZZZZZZZZZZZZZZZZZ")
  })

  it("leaves other ids as they are", () => {
    expect(nativeWebhookId("wh_01KBQ6ZJ3M5X7Y9A2B4C6D8E0F")).toBe("wh_01KBQ6ZJ3M5X7Y9A2B4C6D8E0F")
  })
})
