// The connection service (its variables are read in @herald/runtime's Environment): prefix default, quitting with the scope, and
// a failed connection failing the layer instead of hanging.
import { type AddressInfo, createServer, type Socket } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { ApiKeyStore, AttemptLog, EventStore, SubscriptionStore } from "@herald/core"
import { RedisClient, RedisLayer } from "@herald/redis"
import { RedisServer } from "@herald/testkit"
import type { Redis } from "ioredis"
import { available, skipReason, useRedis } from "./RedisTestServer.js"

describe.skipIf(!available)(`RedisClient ${skipReason}`, () => {
  const { current } = useRedis()

  it.live("layer connects to the URL, defaults the prefix to the {herald}: hash tag, and quits on close", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(RedisClient.layer({ url: current().url }), scope)
      const { prefix, redis } = Context.get(context, RedisClient.RedisClient)
      expect(prefix).toBe("{herald}:")
      expect(yield* Effect.promise(() => redis.ping())).toBe("PONG")
      yield* Scope.close(scope, Exit.void)
      expect(redis.status).toBe("end")
    }))

  it.live("a prefix (HERALD_REDIS_PREFIX) overrides the default", () =>
    Effect.gen(function*() {
      const { prefix } = yield* RedisClient.RedisClient
      expect(prefix).toBe("{custom}:")
    }).pipe(
      Effect.provide(Layer.suspend(() => RedisClient.layer({ url: current().url, prefix: "{custom}:" })))
    ))

  it.live("the commands of one event-loop turn leave in one socket write unless autoPipelining is false (HERALD_REDIS_AUTO_PIPELINING=false), replies in order", () =>
    Effect.gen(function*() {
      const clientWith = (options: { readonly autoPipelining?: boolean }) =>
        Effect.map(
          Layer.build(RedisClient.layer({ url: current().url, ...options })),
          (context) => Context.get(context, RedisClient.RedisClient).redis as Redis
        )
      /** How many times the client's socket hands data to the kernel while `run` runs. */
      const socketWrites = <A>(redis: Redis, run: () => Promise<A>) =>
        Effect.promise(async () => {
          const socket = redis.stream as Socket & { _write: Socket["_write"]; _writev?: Socket["_writev"] }
          let writes = 0
          const write = socket._write.bind(socket)
          const writev = socket._writev?.bind(socket)
          socket._write = (...args) => {
            writes++
            write(...args)
          }
          if (writev !== undefined) {
            socket._writev = (...args) => {
              writes++
              writev(...args)
            }
          }
          try {
            return { result: await run(), writes }
          } finally {
            socket._write = write
            if (writev !== undefined) socket._writev = writev
          }
        })
      const batched = yield* clientWith({})
      const separate = yield* clientWith({ autoPipelining: false })
      const key = `{herald}:batching-test:${Date.now()}`
      const push = (redis: Redis, from: number) => () =>
        Promise.all(Array.from({ length: 50 }, (_, n) => redis.rpush(key, String(from + n))))

      const one = yield* socketWrites(batched, push(batched, 0))
      expect(one.writes).toBe(1)
      // Each command still gets its own reply, in order.
      expect(one.result).toEqual(Array.from({ length: 50 }, (_, n) => n + 1))

      const each = yield* socketWrites(separate, push(separate, 50))
      expect(each.writes).toBe(50)
      expect(yield* Effect.promise(() => separate.lrange(key, 0, -1))).toEqual(
        Array.from({ length: 100 }, (_, n) => String(n))
      )

      // A command issued from a later turn, and a MULTI, are sent (nothing stays corked).
      const later = yield* Effect.promise(() =>
        new Promise<number>((resolve, reject) => setImmediate(() => batched.llen(key).then(resolve, reject)))
      )
      expect(later).toBe(100)
      const multi = yield* Effect.promise(() => batched.multi().llen(key).lindex(key, 0).exec())
      expect(multi).toEqual([[null, 100], [null, "0"]])
      yield* Effect.promise(() => batched.del(key))
    }).pipe(Effect.scoped))

  it.live("an unreachable Redis fails the layer with RedisError", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(() => RedisServer.freePort())
      const error = yield* Effect.flip(
        Effect.scoped(
          Layer.build(RedisClient.layer({ url: `redis://127.0.0.1:${port}/0`, connectTimeout: "3 seconds" }))
        )
      )
      expect(error._tag).toBe("RedisError")
      expect(error.operation).toBe("connect")
    }))

  it.live("a server that never answers fails the layer after connectTimeout instead of hanging", () =>
    Effect.gen(function*() {
      // Accepts and reads, never replies: the ready check never completes.
      const silent = createServer((socket) => socket.resume())
      const port = yield* Effect.async<number>((resume) => {
        silent.listen(0, "127.0.0.1", () => resume(Effect.succeed((silent.address() as AddressInfo).port)))
      })
      const error = yield* Effect.flip(
        Effect.scoped(
          Layer.build(RedisClient.layer({ url: `redis://127.0.0.1:${port}/0`, connectTimeout: "300 millis" }))
        )
      ).pipe(
        // Closing the server waits for its connections: this also proves the client let go of its socket.
        Effect.ensuring(Effect.async<void>((resume) => void silent.close(() => resume(Effect.void))))
      )
      expect(error._tag).toBe("RedisError")
      expect(error.message).toContain("timed out")
    }))

  it.live("RedisLayer provides all four stores over one client", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(RedisLayer.layer())
      for (const tag of [SubscriptionStore.SubscriptionStore, EventStore.EventStore, AttemptLog.AttemptLog, ApiKeyStore.ApiKeyStore]) {
        expect(Option.isSome(Context.getOption(context, tag as Context.Tag<unknown, unknown>))).toBe(true)
      }
    }).pipe(
      Effect.scoped,
      Effect.provide(RedisClient.layer({ url: current().url, prefix: `{${current().prefix}}` }))
    ))
})
