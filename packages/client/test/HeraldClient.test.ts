import { FetchHttpClient } from "@effect/platform"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { HeraldClient } from "../src/index.js"

describe("HeraldClient.make", () => {
  it("derives a method for every route of the contract's groups", async () => {
    const client = await Effect.runPromise(
      HeraldClient.make({ url: "http://127.0.0.1:1", apiKey: "hk_test" }).pipe(Effect.provide(FetchHttpClient.layer))
    )
    expect(typeof client.events.publish).toBe("function")
    expect(typeof client.deliveries.redeliver).toBe("function")
    expect(typeof client.webhooks.rotateSecret).toBe("function")
    expect(typeof client.portal.openSession).toBe("function")
  })
})
