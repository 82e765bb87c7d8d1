// The memory idempotency store's bound: expired records go, even unread.
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { IdempotencyStore } from "@herald/core"
import { MemoryIdempotencyStore } from "@herald/memory"

describe("MemoryIdempotencyStore", () => {
  it.effect("drops expired reservations and responses, even if their keys are never used again", () =>
    Effect.gen(function*() {
      const store = yield* MemoryIdempotencyStore.make
      const response = new IdempotencyStore.StoredResponse({ status: 200, headers: {}, body: "{}" })
      for (let i = 0; i < 3_000; i++) {
        const begun = yield* store.begin(`old-${i}`, "fp", 1_000)
        if (begun._tag === "Reserved" && i % 2 === 0) yield* store.complete(`old-${i}`, begun.token, "fp", response, 5_000)
      }
      expect(yield* store.records).toBe(3_000)
      yield* TestClock.adjust(5_000)
      for (let i = 0; i < 3_000; i++) yield* store.begin(`new-${i}`, "fp", 1_000)
      expect(yield* store.records).toBe(3_000)
    }))
})
