/**
 * HealthStore in memory: one streak per (teamspace, webhook), updated in one
 * synchronous step so concurrent failures count exactly.
 */
import { Effect, Layer } from "effect"
import { HealthStore, type Ids } from "@herald/core"

/**
 * A new, empty in-memory `HealthStore`; for composing it yourself (tests, tools). Most callers want
 * `layer`.
 */
export const make: Effect.Effect<HealthStore.HealthStoreShape> = Effect.sync(() => {
  const streaks = new Map<string, HealthStore.FailureStreak>()
  const key = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) => `${teamspace}/${id}`
  return {
    recordFailure: (teamspace, id, at) =>
      Effect.sync(() => {
        const previous = streaks.get(key(teamspace, id))
        const next = { failingSince: previous?.failingSince ?? at, failures: (previous?.failures ?? 0) + 1 }
        streaks.set(key(teamspace, id), next)
        return next
      }),
    reset: (teamspace, id) => Effect.sync(() => void streaks.delete(key(teamspace, id)))
  }
})

/** Provides `HealthStore` in memory, empty at each build of the layer; `MemoryLayer.layer` includes it. */
export const layer: Layer.Layer<HealthStore.HealthStore> = Layer.effect(HealthStore.HealthStore, make)
