/**
 * ApiKeyStore on Redis: `apikey:{hash}` holds the Schema-encoded key.
 * Authentication looks keys up by the hash of what the caller presented, so
 * the hash is the whole key; no index is needed.
 */
import { Effect, Layer } from "effect"
import { ApiKeyStore } from "@herald/core"
import * as JsonCodec from "./internal/JsonCodec.js"
import { execute, RedisClient } from "./RedisClient.js"

const codec = JsonCodec.make(ApiKeyStore.ApiKey)

export const make: Effect.Effect<ApiKeyStore.ApiKeyStoreShape, never, RedisClient> = Effect.gen(function*() {
  const { prefix, redis } = yield* RedisClient
  const key = (hash: string) => `${prefix}apikey:${hash}`
  return {
    insert: (apiKey) =>
      codec.encode(apiKey).pipe(
        Effect.flatMap((json) => execute("SET", () => redis.set(key(apiKey.hash), json))),
        Effect.asVoid
      ),
    findByHash: (hash) =>
      execute("GET", () => redis.get(key(hash))).pipe(
        Effect.flatMap((raw) => raw === null ? Effect.succeedNone : Effect.asSome(codec.decode(raw)))
      ),
    remove: (hash) => Effect.map(execute("DEL", () => redis.del(key(hash))), (n) => n > 0)
  }
})

export const layer: Layer.Layer<ApiKeyStore.ApiKeyStore, never, RedisClient> = Layer.effect(
  ApiKeyStore.ApiKeyStore,
  make
)
