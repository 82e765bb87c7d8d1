/**
 * The Redis connection every Herald Redis adapter shares: one scoped ioredis
 * client plus the key prefix, as an Effect service.
 *
 * The default prefix `{herald}:` is a Redis Cluster hash tag: only the part in
 * braces is hashed, so every Herald key lands in one slot. That is what lets the
 * adapters' Lua scripts and multi-key reads (MGET, HMGET) run unchanged on a
 * Cluster, where a script may only touch keys of a single slot. A custom prefix
 * should keep a `{...}` tag for the same reason.
 *
 * ioredis failures are infrastructure errors, not domain outcomes: adapters run
 * commands through `execute`, which turns them into defects (a `RedisError`
 * carried as the defect) so the ports keep `never` error channels.
 */
import { Config, type ConfigError, Context, Data, Duration, Effect, Layer, Redacted, Runtime, type Scope } from "effect"
import { Redis, type RedisOptions } from "ioredis"

/** A failed Redis command or connection, with the operation that failed. */
export class RedisError extends Data.TaggedError("RedisError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message(): string {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Redis ${this.operation} failed: ${reason}`
  }
}

export interface RedisClientShape {
  readonly redis: Redis
  /** Prepended to every key an adapter uses. */
  readonly prefix: string
}

export class RedisClient extends Context.Tag("@herald/redis/RedisClient")<RedisClient, RedisClientShape>() {}

/** Keeps every Herald key in one Cluster slot (see the module comment). */
export const defaultPrefix = "{herald}:"

export interface Options {
  /** `redis://[:password@]host:port/db` (or `rediss://`). */
  readonly url: string | Redacted.Redacted<string>
  readonly prefix?: string | undefined
  /** Extra ioredis options (TLS, timeouts, ...). */
  readonly options?: RedisOptions | undefined
  /** How long to wait for the first connection before giving up. Default 10 seconds. */
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/**
 * Runs one ioredis call; a rejection becomes a defect. This is the adapters'
 * edge: nothing past it sees a Redis error as a typed failure.
 */
export const execute = <A>(operation: string, run: () => Promise<A>): Effect.Effect<A> =>
  Effect.tryPromise({ try: run, catch: (cause) => new RedisError({ operation, cause }) }).pipe(Effect.orDie)

/**
 * Connects, and quits when the scope closes. A connection that cannot be made
 * fails the layer (with `RedisError`) rather than queueing commands forever, so
 * a bad `REDIS_URL` stops the process at start.
 */
export const make = (options: Options): Effect.Effect<RedisClientShape, RedisError, Scope.Scope> =>
  Effect.gen(function*() {
    const log = Runtime.runFork(yield* Effect.runtime<never>())
    // The client is a resource from the moment it exists: a connect that fails
    // or times out still closes it, so no reconnect loop outlives the layer.
    const redis = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const redis = new Redis(Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url, {
          ...options.options,
          lazyConnect: true
        })
        // ioredis reconnects by itself; without a listener it would print each error to the console.
        redis.on("error", (error: unknown) =>
          log(Effect.logWarning("Redis connection error", error instanceof Error ? error.message : error)))
        return redis
      }),
      close
    )
    yield* Effect.tryPromise({
      try: () => redis.connect(),
      catch: (cause) => new RedisError({ operation: "connect", cause })
    }).pipe(
      Effect.timeoutFail({
        duration: options.connectTimeout ?? Duration.seconds(10),
        onTimeout: () => new RedisError({ operation: "connect", cause: new Error("timed out") })
      })
    )
    return { redis, prefix: options.prefix ?? defaultPrefix }
  })

/** QUIT when connected (pending replies arrive first), else just drop the socket and stop reconnecting. */
const close = (redis: Redis): Effect.Effect<void> =>
  redis.status !== "ready"
    ? Effect.sync(() => redis.disconnect())
    : Effect.tryPromise(async () => {
      const ended = new Promise((resolve) => redis.once("end", resolve))
      await redis.quit()
      // QUIT is acknowledged before the socket closes; wait, so nothing outlives the scope.
      if (redis.status !== "end") await ended
    }).pipe(
      // QUIT on a broken connection fails; dropping the socket is all that is left to do.
      Effect.catchAll((error) =>
        Effect.logDebug("Redis QUIT failed; disconnecting", error).pipe(Effect.andThen(() => redis.disconnect()))
      )
    )

export const layer = (options: Options): Layer.Layer<RedisClient, RedisError> =>
  Layer.scoped(RedisClient, make(options))

/** `REDIS_URL` (required, secret) and `HERALD_REDIS_PREFIX` (default `{herald}:`). */
export const config: Config.Config<Options> = Config.all({
  url: Config.redacted("REDIS_URL").pipe(
    Config.withDescription("Redis connection URL, e.g. redis://127.0.0.1:6379/0")
  ),
  prefix: Config.string("HERALD_REDIS_PREFIX").pipe(
    Config.withDefault(defaultPrefix),
    Config.withDescription("Key prefix for every Herald key; keep a {hash tag} so Redis Cluster puts them in one slot")
  )
})

export const layerConfig: Layer.Layer<RedisClient, RedisError | ConfigError.ConfigError> = Layer
  .scoped(RedisClient, Effect.flatMap(config, make))
