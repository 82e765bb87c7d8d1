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
 * With `cluster: true` (`HERALD_REDIS_CLUSTER=true`) the client is an ioredis
 * `Cluster` seeded from the URL(s); adapters see the same command API either way.
 *
 * ioredis failures are infrastructure errors, not domain outcomes: adapters run
 * commands through `execute`, which turns them into defects (a `RedisError`
 * carried as the defect) so the ports keep `never` error channels.
 */
import { Context, Data, Duration, Effect, Layer, Redacted, Runtime, type Scope } from "effect"
import { Metrics, type Readiness } from "@herald/core"
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from "ioredis"

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

/**
 * A standalone client or a Cluster client. Both share ioredis's command API and
 * `defineCommand`; on a Cluster every multi-key command and script must name keys
 * of one slot, which the hash-tagged prefix guarantees.
 */
export type Connection = Redis | Cluster

/** The shared connection and the key prefix every adapter writes under. */
export interface RedisClientShape {
  /**
   * A `Cluster` in cluster mode, else a `Redis`: adapters use only the command
   * API and `defineCommand`, which both share.
   */
  readonly redis: Connection
  /** Prepended to every key an adapter uses. */
  readonly prefix: string
}

/**
 * The Redis connection service every Redis adapter needs (and `@herald/bullmq`'s queue). Provide it
 * with `layer`, once per process, under all the adapters.
 */
export class RedisClient extends Context.Tag("@herald/redis/RedisClient")<RedisClient, RedisClientShape>() {}

/** Keeps every Herald key in one Cluster slot (see the module comment). */
export const defaultPrefix = "{herald}:"

/** Where and how to connect: the URL (or a cluster's seed nodes), the key prefix, and ioredis options. */
export interface Options {
  /**
   * `redis://[:password@]host:port/db` (or `rediss://`). In cluster mode, one or
   * more comma-separated `redis://[user:password@]host:port` seed nodes (database 0 only).
   */
  readonly url: string | Redacted.Redacted<string>
  readonly prefix?: string | undefined
  /** Connect to a Redis Cluster (an ioredis `Cluster`) rather than a single server. Default false. */
  readonly cluster?: boolean | undefined
  /** Extra ioredis options (TLS, timeouts, ...); in cluster mode, applied to every node connection. */
  readonly options?: RedisOptions | undefined
  /** Extra ioredis `Cluster` options, cluster mode only. */
  readonly clusterOptions?: ClusterOptions | undefined
  /** Send the commands of one event-loop turn in one socket write (see `batchWrites`). Default true. */
  readonly autoPipelining?: boolean | undefined
  /** How long to wait for the first connection before giving up. Default 10 seconds. */
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/** The seed nodes and the node options their URLs carry (credentials, TLS). */
interface ClusterSeeds {
  readonly nodes: Array<ClusterNode>
  readonly redisOptions: RedisOptions
}

/**
 * Why `url` cannot be the Redis Herald connects to, or undefined when it can:
 * a `redis://` or `rediss://` URL, or with `cluster` the seed list
 * `parseClusterUrls` reads. Checked before connecting, so a wrong URL is named
 * at start rather than failing as a lost connection. The message never quotes
 * the URL, which may hold a password.
 */
export const urlProblem = (url: string, cluster: boolean): string | undefined => {
  if (cluster) {
    try {
      parseClusterUrls(url)
      return undefined
    } catch (error) {
      return (error as Error).message
    }
  }
  if (!URL.canParse(url)) return "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0"
  const { protocol } = new URL(url)
  return protocol === "redis:" || protocol === "rediss:"
    ? undefined
    : `must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0, not ${protocol}//`
}

/**
 * Parses a cluster-mode `url`: comma-separated `redis://` / `rediss://` URLs, all
 * with the same scheme and credentials (ioredis applies one set of node options
 * to every node), and no database but 0 (a Cluster has only database 0).
 */
export const parseClusterUrls = (urls: string): ClusterSeeds => {
  const parsed = urls.split(",").map((part) => part.trim()).filter((part) => part !== "").map((part) => {
    let url: URL
    try {
      url = new URL(part)
    } catch {
      // The URL may hold a password: name only its position.
      throw new Error("invalid Redis URL in the cluster seed list")
    }
    if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
      throw new Error(`a cluster seed must be a redis:// or rediss:// URL, not ${url.protocol}`)
    }
    const db = url.pathname.replace(/^\//, "")
    if (db !== "" && db !== "0") throw new Error(`a Redis Cluster has only database 0, not ${db}`)
    if (url.hostname === "") throw new Error("a cluster seed URL needs a host")
    return {
      node: { host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: url.port === "" ? 6379 : Number(url.port) },
      tls: url.protocol === "rediss:",
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password)
    }
  })
  const first = parsed[0]
  if (first === undefined) throw new Error("no Redis Cluster seed URL given")
  if (parsed.some((seed) => seed.tls !== first.tls || seed.username !== first.username || seed.password !== first.password)) {
    throw new Error("all cluster seed URLs must share the scheme and credentials")
  }
  return {
    nodes: parsed.map((seed) => seed.node),
    redisOptions: {
      ...(first.username !== "" ? { username: first.username } : {}),
      ...(first.password !== "" ? { password: first.password } : {}),
      ...(first.tls ? { tls: {} } : {})
    }
  }
}

/**
 * Batched writes (on unless `autoPipelining: false`): the commands issued in one
 * turn of the event loop, by the many requests and deliveries in flight at
 * once, leave in one socket write instead of one each. A write per command was
 * the largest single cost in the profiles of both processes. The client's
 * socket is corked at a turn's first command and uncorked once the turn's I/O
 * callbacks have run (`setImmediate`); replies, their order and per-command
 * errors are those of separate commands.
 *
 * This does what ioredis's auto-pipelining did, without its cost: that wrapped
 * every batch in a Pipeline object and answered each command through it, which
 * at moderate load (a batch of one or two commands) cost more than the write it
 * saved. Measured with the bench's core ceiling (a publish's Redis work without
 * HttpApi) at 1,000 publishes/s: 0.77 down to 0.67 ms of CPU per publish, p99 30
 * down to 7 ms; at full speed 4,000 up to 4,600 publishes/s.
 */
const batchWrites = (redis: Redis): void => {
  const send = redis.sendCommand.bind(redis)
  let corked: Redis["stream"] | undefined
  const flush = () => {
    const stream = corked
    corked = undefined
    stream?.uncork()
  }
  redis.sendCommand = (...args: Parameters<Redis["sendCommand"]>) => {
    // `stream` exists from the first connect on (ioredis replaces it on reconnect).
    const stream = redis.stream as Redis["stream"] | undefined
    if (corked === undefined && stream !== undefined) {
      corked = stream
      stream.cork()
      setImmediate(flush)
    }
    return send(...args)
  }
}

const create = (options: Options): Connection => {
  const url = Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url
  const batched = options.autoPipelining ?? true
  if (options.cluster !== true) {
    const redis = new Redis(url, { ...options.options, lazyConnect: true })
    if (batched) batchWrites(redis)
    return redis
  }
  const seeds = parseClusterUrls(url)
  const cluster = new Cluster(seeds.nodes, {
    ...options.clusterOptions,
    redisOptions: { ...seeds.redisOptions, ...options.options, ...options.clusterOptions?.redisOptions },
    lazyConnect: true
  })
  // Each node's connection batches its own writes.
  if (batched) cluster.on("+node", batchWrites)
  return cluster
}

/**
 * Runs one ioredis call; a rejection becomes a defect. This is the adapters'
 * edge: nothing past it sees a Redis error as a typed failure.
 */
export const execute = <A>(operation: string, run: () => Promise<A>): Effect.Effect<A> =>
  Effect.tryPromise({
    try: run,
    catch: (cause) => {
      Metrics.storeError({ backend: "redis" })
      return new RedisError({ operation, cause })
    }
  }).pipe(Effect.orDie)

/** The readiness probe of this client's Redis (`Readiness.Probe`, named `redis`): a PING. */
export const probe: Effect.Effect<Readiness.Probe, never, RedisClient> = Effect.map(RedisClient, (client) => ({
  name: "redis",
  check: Effect.tryPromise(() => client.redis.ping())
}))

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
      Effect.try({
        try: () => create(options),
        catch: (cause) => new RedisError({ operation: "connect", cause })
      }).pipe(Effect.map((redis) => {
        // ioredis reconnects by itself; without a listener it would print each error to the console.
        redis.on("error", (error: unknown) =>
          log(Effect.logWarning("Redis connection error", error instanceof Error ? error.message : error)))
        return redis
      })),
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
const close = (redis: Connection): Effect.Effect<void> =>
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

/**
 * Provides `RedisClient`: connects (failing the layer with `RedisError` when the server cannot be
 * reached within `connectTimeout`) and quits when the layer's scope closes.
 */
export const layer = (options: Options): Layer.Layer<RedisClient, RedisError> =>
  Layer.scoped(RedisClient, make(options))
