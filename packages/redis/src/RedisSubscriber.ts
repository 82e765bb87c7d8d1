/**
 * The one subscriber connection of a process: Redis pub/sub needs a
 * connection of its own (a subscribed connection runs no other command), so
 * every adapter that listens on a channel (`RedisListenerRelay`,
 * `RedisKeyRevocations`) shares this one, a duplicate of the `RedisClient`
 * connected at the first subscription and closed with the layer.
 *
 * Channels map to handlers: the first handler of a channel SUBSCRIBEs, the
 * last one leaving UNSUBSCRIBEs. A connection that drops (`close`, `end`,
 * `reconnecting`) loses what is published meanwhile; ioredis resubscribes when
 * it reconnects, and watchers are told `lost` at the drop and `restored` once
 * this connection has confirmed its channels again (a SUBSCRIBE answered after
 * ioredis's own), so a watcher knows when messages reach it again.
 */
import { Context, Effect, Layer, Runtime, type Scope } from "effect"
import { execute, RedisClient } from "./RedisClient.js"

/** Told when the subscriber connection drops and when its subscriptions are confirmed again. */
export interface ConnectionWatcher {
  readonly lost: () => void
  readonly restored: () => void
}

/** What the subscriber connection offers its adapters. */
export interface RedisSubscriberShape {
  /**
   * Calls `handler` with each message on `channel` for the life of the scope; returns once Redis has
   * confirmed the subscription. A failed SUBSCRIBE is a defect (a `RedisError`) and leaves nothing behind.
   */
  readonly subscribe: (channel: string, handler: (message: string) => void) => Effect.Effect<void, never, Scope.Scope>
  /** Tells `watcher` of drops and restorations of the connection for the life of the scope. */
  readonly watch: (watcher: ConnectionWatcher) => Effect.Effect<void, never, Scope.Scope>
}

/** The process's subscriber connection; `layer` builds it over the `RedisClient`. */
export class RedisSubscriber extends Context.Tag("@herald/redis/RedisSubscriber")<RedisSubscriber, RedisSubscriberShape>() {}

/** Builds the subscriber over the `RedisClient`, its connection closed with the scope; most callers want `layer`. */
export const make = Effect.gen(function*() {
  const { redis } = yield* RedisClient
  const run = Runtime.runFork(yield* Effect.runtime<never>())
  const handlers = new Map<string, Set<(message: string) => void>>()
  const watchers = new Set<ConnectionWatcher>()
  let down = false

  const connection = yield* Effect.acquireRelease(
    Effect.sync(() => redis.duplicate()),
    (connection) => Effect.promise(() => connection.quit().catch(() => connection.disconnect()))
  )
  connection.on("error", (error: unknown) =>
    run(Effect.logWarning("Redis subscriber connection error", error instanceof Error ? error.message : error)))
  connection.on("message", (channel: string, message: string) => {
    const subscribed = handlers.get(channel)
    if (subscribed === undefined) return
    for (const handler of subscribed) handler(message)
  })
  const drop = () => {
    if (down) return
    down = true
    for (const watcher of watchers) watcher.lost()
  }
  connection.on("close", drop)
  connection.on("end", drop)
  connection.on("reconnecting", drop)
  connection.on("ready", () => {
    if (!down) return
    // ioredis resubscribes on `ready`; a SUBSCRIBE of our own, answered after its, confirms they are back.
    const channels = Array.from(handlers, ([channel]) => channel)
    const confirmed = channels.length === 0 ? Promise.resolve() : connection.subscribe(...channels)
    confirmed.then(
      () => {
        if (connection.status !== "ready") return
        down = false
        for (const watcher of watchers) watcher.restored()
      },
      (error: unknown) =>
        run(Effect.logWarning("Redis subscriber could not resubscribe", error instanceof Error ? error.message : error))
    )
  })

  const subscribe = (channel: string, handler: (message: string) => void) =>
    Effect.acquireRelease(
      Effect.gen(function*() {
        const subscribed = handlers.get(channel) ?? new Set()
        subscribed.add(handler)
        handlers.set(channel, subscribed)
        // A subscription that failed must not leave the handler behind: the next one would not subscribe again.
        if (subscribed.size === 1) {
          yield* execute("SUBSCRIBE", () => connection.subscribe(channel)).pipe(
            Effect.onError(() =>
              Effect.sync(() => {
                subscribed.delete(handler)
                if (subscribed.size === 0) handlers.delete(channel)
              })
            )
          )
        }
      }),
      () =>
        Effect.gen(function*() {
          const subscribed = handlers.get(channel)
          subscribed?.delete(handler)
          if (subscribed?.size === 0) {
            handlers.delete(channel)
            yield* execute("UNSUBSCRIBE", () => connection.unsubscribe(channel)).pipe(Effect.catchAllDefect(() => Effect.void))
          }
        })
    )

  const watch = (watcher: ConnectionWatcher) =>
    Effect.acquireRelease(Effect.sync(() => void watchers.add(watcher)), () => Effect.sync(() => void watchers.delete(watcher)))

  return { subscribe, watch } satisfies RedisSubscriberShape
})

/**
 * Provides the `RedisSubscriber` over the `RedisClient`. The adapters that need it provide this
 * same layer value themselves, so one build of a composition makes one connection for all of them.
 */
export const layer: Layer.Layer<RedisSubscriber, never, RedisClient> = Layer.scoped(RedisSubscriber, make)
