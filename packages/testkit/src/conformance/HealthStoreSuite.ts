/**
 * Conformance suite for `HealthStore` adapters: a streak per (teamspace,
 * webhook) that starts at the first failure, counts every failure exactly
 * (concurrent ones too), and ends on reset.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { HealthStore, Ids } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

/**
 * Registers the `HealthStore` conformance tests under `name` (vitest `describe`), each on a fresh
 * build of `layer`, the adapter under test. Run it from a one-line test file in each adapter
 * package; a failing test names the behaviour the adapter breaks.
 */
export const suite = (name: string, layer: Layer.Layer<HealthStore.HealthStore, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: Effect.Effect<A, E, HealthStore.HealthStore>) =>
      it.live(title, () => Effect.provide(body, layer))

    test(
      "a streak starts at the first failure, counts each one, and ends on reset",
      Effect.gen(function*() {
        const store = yield* HealthStore.HealthStore
        const teamspace = Fixtures.teamspace()
        const id = Ids.makeWebhookId()
        expect(yield* store.recordFailure(teamspace, id, 1_000)).toEqual({ failingSince: 1_000, failures: 1 })
        expect(yield* store.recordFailure(teamspace, id, 5_000)).toEqual({ failingSince: 1_000, failures: 2 })
        yield* store.reset(teamspace, id)
        yield* store.reset(teamspace, id)
        expect(yield* store.recordFailure(teamspace, id, 9_000)).toEqual({ failingSince: 9_000, failures: 1 })
      })
    )

    test(
      "streaks are per webhook and per teamspace",
      Effect.gen(function*() {
        const store = yield* HealthStore.HealthStore
        const [a, b] = [Fixtures.teamspace(), Fixtures.teamspace()]
        const [one, two] = [Ids.makeWebhookId(), Ids.makeWebhookId()]
        yield* store.recordFailure(a, one, 100)
        yield* store.recordFailure(a, one, 200)
        expect(yield* store.recordFailure(a, two, 300)).toEqual({ failingSince: 300, failures: 1 })
        expect(yield* store.recordFailure(b, one, 400)).toEqual({ failingSince: 400, failures: 1 })
        yield* store.reset(a, two)
        expect(yield* store.recordFailure(a, one, 500)).toEqual({ failingSince: 100, failures: 3 })
      })
    )

    test(
      "concurrent failures are all counted",
      Effect.gen(function*() {
        const store = yield* HealthStore.HealthStore
        const teamspace = Fixtures.teamspace()
        const id = Ids.makeWebhookId()
        yield* Effect.all(Array.from({ length: 25 }, (_, i) => store.recordFailure(teamspace, id, 1_000 + i)), {
          concurrency: "unbounded"
        })
        const after = yield* store.recordFailure(teamspace, id, 9_999)
        expect(after.failures).toBe(26)
        expect(after.failingSince).toBeGreaterThanOrEqual(1_000)
        expect(after.failingSince).toBeLessThan(1_025)
      })
    )
  })
