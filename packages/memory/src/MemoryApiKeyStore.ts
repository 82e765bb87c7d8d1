/**
 * ApiKeyStore in memory: keys by their hash (authentication looks a key up by
 * the hash of what the caller presented, never by teamspace).
 */
import { Effect, Layer, Option } from "effect"
import { ApiKeyStore } from "@herald/core"

export const make: Effect.Effect<ApiKeyStore.ApiKeyStoreShape> = Effect.sync(() => {
  const keys = new Map<string, ApiKeyStore.ApiKey>()
  return {
    insert: (key) => Effect.sync(() => void keys.set(key.hash, key)),
    findByHash: (hash) => Effect.sync(() => Option.fromNullable(keys.get(hash))),
    remove: (hash) => Effect.sync(() => keys.delete(hash))
  }
})

export const layer: Layer.Layer<ApiKeyStore.ApiKeyStore> = Layer.effect(ApiKeyStore.ApiKeyStore, make)
