/**
 * KeyRevocations in memory: for one process (the embedded mode, tests), where
 * every cache that must hear a revocation subscribed to this same instance. A
 * publish calls each subscriber before it returns; a subscription is live at
 * once and never drops.
 */
import { KeyRevocations } from "@herald/core"
import { Effect, Layer } from "effect"

/** A new in-memory channel with no subscribers; most callers want `layer`. */
export const make = (): KeyRevocations.KeyRevocationsShape => {
  const listeners = new Set<KeyRevocations.RevocationListener>()
  return {
    publish: (hash) => Effect.sync(() => listeners.forEach((listener) => listener.revoked(hash))),
    subscribe: (listener) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          listeners.add(listener)
          listener.live()
        }),
        () => Effect.sync(() => void listeners.delete(listener))
      )
  }
}

/** Provides `KeyRevocations` within one process; `MemoryLayer.layer` includes it. */
export const layer: Layer.Layer<KeyRevocations.KeyRevocations> = Layer.sync(KeyRevocations.KeyRevocations, make)
