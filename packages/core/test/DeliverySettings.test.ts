import { ConfigProvider, Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { DeliverySettings } from "@herald/core"

const load = (env: Record<string, string>) =>
  Effect.runPromise(Effect.either(
    Effect.withConfigProvider(DeliverySettings.config, ConfigProvider.fromMap(new Map(Object.entries(env))))
  ))

describe("DeliverySettings", () => {
  it("defaults to a 15 s timeout, a 5 s connect timeout and 50 deliveries in flight", async () => {
    expect(await load({})).toEqual(Either.right({ timeoutMs: 15_000, connectTimeoutMs: 5_000, concurrency: 50 }))
    expect(
      await load({
        HERALD_DELIVERY_TIMEOUT: "2 seconds",
        HERALD_DELIVERY_CONNECT_TIMEOUT: "750 millis",
        HERALD_WORKER_CONCURRENCY: "8"
      })
    ).toEqual(Either.right({ timeoutMs: 2_000, connectTimeoutMs: 750, concurrency: 8 }))
  })

  it.each([["HERALD_WORKER_CONCURRENCY", "0"], ["HERALD_WORKER_CONCURRENCY", "1001"], ["HERALD_WORKER_CONCURRENCY", "many"], [
    "HERALD_DELIVERY_CONNECT_TIMEOUT",
    "soon"
  ], ["HERALD_DELIVERY_CONNECT_TIMEOUT", "0 millis"], ["HERALD_DELIVERY_CONNECT_TIMEOUT", "1 hour"], [
    "HERALD_DELIVERY_TIMEOUT",
    "soon"
  ]])("names %s when it is %j", async (name, value) => {
    const result = await load({ [name]: value })
    expect(Either.isLeft(result) && String(result.left)).toContain(name)
  })
})
