/**
 * ApiKeyStore in memory: keys by their hash (authentication looks a key up by
 * the hash of what the caller presented). Listing and finding by id scan the
 * keys, which are few.
 */
import { Effect, Layer, Option } from "effect"
import { ApiKeyStore } from "@herald/core"

/**
 * A new, empty in-memory `ApiKeyStore`; for composing it yourself (tests, tools). Most callers want
 * `layer`.
 */
export const make: Effect.Effect<ApiKeyStore.ApiKeyStoreShape> = Effect.sync(() => {
  const keys = new Map<string, ApiKeyStore.ApiKey>()
  return {
    insert: (key) => Effect.sync(() => void keys.set(key.hash, key)),
    findByHash: (hash) => Effect.sync(() => Option.fromNullable(keys.get(hash))),
    findById: (id) => Effect.sync(() => Option.fromNullable([...keys.values()].find((key) => key.id === id))),
    list: (teamspace) =>
      Effect.sync(() =>
        [...keys.values()]
          .filter((key) => key.teamspace === teamspace)
          .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      ),
    remove: (hash) => Effect.sync(() => keys.delete(hash))
  }
})

/** Provides `ApiKeyStore` in memory, empty at each build of the layer; `MemoryLayer.layer` includes it. */
export const layer: Layer.Layer<ApiKeyStore.ApiKeyStore> = Layer.effect(ApiKeyStore.ApiKeyStore, make)
