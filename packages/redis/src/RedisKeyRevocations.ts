/**
 * KeyRevocations on Redis: a revoked key's hash is PUBLISHed on one channel
 * under the client's prefix (`{herald}:api-key-revocations`), which every
 * process SUBSCRIBEs to through its `RedisSubscriber` connection. PUBLISH
 * reaches every subscriber of a server (and of every node of a Cluster) at
 * once, so a revoke takes effect everywhere within the time of one message.
 *
 * Pub/sub keeps nothing: a process whose subscriber connection is down misses
 * what is published meanwhile. Its listeners are told `lost` when the
 * connection drops and `live` once its subscription is confirmed again.
 */
import { KeyRevocations } from "@herald/core"
import { Effect, Layer } from "effect"
import { execute, RedisClient } from "./RedisClient.js"
import * as RedisSubscriber from "./RedisSubscriber.js"

/** Builds the Redis `KeyRevocations` over the `RedisClient` and the `RedisSubscriber`; most callers want `layer`. */
export const make = Effect.gen(function*() {
  const { prefix, redis } = yield* RedisClient
  const subscriber = yield* RedisSubscriber.RedisSubscriber
  const channel = `${prefix}api-key-revocations`
  return {
    publish: (hash) => Effect.asVoid(execute("PUBLISH", () => redis.publish(channel, hash))),
    subscribe: (listener) =>
      Effect.gen(function*() {
        // Watching first: a drop between the two steps is not missed.
        yield* subscriber.watch({ lost: listener.lost, restored: listener.live })
        yield* subscriber.subscribe(channel, listener.revoked)
        listener.live()
      })
  } satisfies KeyRevocations.KeyRevocationsShape
})

/**
 * Provides `KeyRevocations` on Redis; needs a `RedisClient` (the `RedisSubscriber` over it is the
 * composition's one). `RedisLayer.layer` includes it, and `@herald/runtime`'s PostgreSQL + Redis
 * ports. Redis failures are defects (a `RedisError`).
 */
export const layer: Layer.Layer<KeyRevocations.KeyRevocations, never, RedisClient> = Layer.effect(
  KeyRevocations.KeyRevocations,
  make
).pipe(Layer.provide(RedisSubscriber.layer))
