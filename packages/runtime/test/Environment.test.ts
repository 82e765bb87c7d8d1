/**
 * The variables the libraries' settings come from, read as the Environment
 * reads them: defaults, the values accepted, and a bad value naming its
 * variable (never repeating a secret). The libraries test their parsers
 * (`RetrySchedule.parse`, `SecretCipher.parseKey`, ...) and their layers given
 * settings; which variable holds a setting is tested here.
 */
import { HttpServerError } from "@effect/platform"
import { RedisClient } from "@herald/redis"
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import * as Environment from "../src/Environment.js"

const load = <A>(config: Effect.Effect<A, unknown>, env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env))))))

const errorOf = <A>(result: Either.Either<A, unknown>) => Either.isLeft(result) ? String(result.left) : "(accepted)"

const REDIS = { REDIS_URL: "redis://localhost:6379/0" }

const DATABASE = "postgres://postgres@127.0.0.1:5432/herald"

describe("DeliverySettings", () => {
  it("defaults to a 15 s timeout, a 5 s connect timeout and 50 deliveries in flight", () => {
    expect(load(Environment.delivery, {})).toEqual(Either.right({ timeoutMs: 15_000, connectTimeoutMs: 5_000, concurrency: 50 }))
    expect(
      load(Environment.delivery, {
        HERALD_DELIVERY_TIMEOUT: "2 seconds",
        HERALD_DELIVERY_CONNECT_TIMEOUT: "750 millis",
        HERALD_WORKER_CONCURRENCY: "8"
      })
    ).toEqual(Either.right({ timeoutMs: 2_000, connectTimeoutMs: 750, concurrency: 8 }))
  })

  it.each([["HERALD_WORKER_CONCURRENCY", "0"], ["HERALD_WORKER_CONCURRENCY", "1001"], ["HERALD_WORKER_CONCURRENCY", "many"], [
    "HERALD_DELIVERY_CONNECT_TIMEOUT",
    "soon"
  ], ["HERALD_DELIVERY_CONNECT_TIMEOUT", "0 millis"], ["HERALD_DELIVERY_CONNECT_TIMEOUT", "1 hour"], [
    "HERALD_DELIVERY_TIMEOUT",
    "soon"
  ]])("names %s when it is %j", (name, value) => {
    expect(errorOf(load(Environment.delivery, { [name]: value }))).toContain(name)
  })
})

describe("HERALD_RETRY_SCHEDULE", () => {
  it("is read and named when invalid", () => {
    expect(load(Environment.retrySchedule, { HERALD_RETRY_SCHEDULE: "1s,2s" })).toEqual(Either.right([1_000, 2_000]))
    expect(errorOf(load(Environment.retrySchedule, { HERALD_RETRY_SCHEDULE: "soon" }))).toContain("HERALD_RETRY_SCHEDULE")
  })
})

describe("HERALD_ENCRYPTION_KEY", () => {
  it("is optional, and a bad one is named without repeating it", () => {
    expect(load(Environment.encryptionKey, {})).toEqual(Either.right(Option.none()))
    const bad = errorOf(load(Environment.encryptionKey, { HERALD_ENCRYPTION_KEY: "short" }))
    expect(bad).toContain("HERALD_ENCRYPTION_KEY")
    expect(bad).not.toContain("short")
  })
})

describe("HERALD_API_KEYS", () => {
  it("is read as configuration that names the variable when it is wrong", () => {
    expect(errorOf(load(Environment.apiKeys, { HERALD_API_KEYS: "short=acme" }))).toContain("HERALD_API_KEYS")
  })
})

describe("HERALD_REQUEST_LOG", () => {
  it("defaults to errors and accepts all and off, nothing else", () => {
    expect(load(Environment.requestLog, {})).toEqual(Either.right("errors"))
    expect(load(Environment.requestLog, { HERALD_REQUEST_LOG: "all" })).toEqual(Either.right("all"))
    expect(load(Environment.requestLog, { HERALD_REQUEST_LOG: "off" })).toEqual(Either.right("off"))
    expect(errorOf(load(Environment.requestLog, { HERALD_REQUEST_LOG: "verbose" }))).toContain("HERALD_REQUEST_LOG")
  })
})

describe("the Redis stores' variables", () => {
  it("REDIS_URL must be a redis:// or rediss:// URL (or a seed list with a Cluster), refused without quoting it", () => {
    const refused = errorOf(load(Environment.redis, { REDIS_URL: "http://user:secret@127.0.0.1:6499" }))
    expect(refused).toContain("REDIS_URL")
    expect(refused).toContain("must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0, not http://")
    expect(refused).not.toContain("secret")
    expect(errorOf(load(Environment.redis, { REDIS_URL: "127.0.0.1:6379" }))).toContain("must be a redis:// or rediss:// URL")
    expect(errorOf(load(Environment.redis, { REDIS_URL: "redis://a/1,redis://b", HERALD_REDIS_CLUSTER: "true" })))
      .toContain("a Redis Cluster has only database 0")
  })

  it("REDIS_URL is required, named when missing", () => {
    expect(errorOf(load(Environment.redis, {}))).toContain("REDIS_URL")
  })

  it("REDIS_URL is the connection, read as a secret; the prefix defaults to the {herald}: hash tag", () => {
    const { client } = Either.getOrThrow(load(Environment.redis, REDIS))
    expect(Redacted.value(client.url as Redacted.Redacted<string>)).toBe(REDIS.REDIS_URL)
    expect(String(client.url)).not.toContain("localhost")
    expect(client.prefix).toBe("{herald}:")
    expect(client.autoPipelining).toBe(true)
  })

  it("HERALD_REDIS_PREFIX overrides the prefix; HERALD_REDIS_AUTO_PIPELINING=false turns pipelining off", () => {
    const { client } = Either.getOrThrow(
      load(Environment.redis, { ...REDIS, HERALD_REDIS_PREFIX: "{custom}:", HERALD_REDIS_AUTO_PIPELINING: "false" })
    )
    expect(client.prefix).toBe("{custom}:")
    expect(client.autoPipelining).toBe(false)
  })

  it("HERALD_REDIS_CLUSTER connects the stores and the queue to a Cluster whose seeds REDIS_URL lists", () => {
    const on = Either.getOrThrow(load(Environment.redis, {
      REDIS_URL: "rediss://u:p%40ss@a:1, rediss://u:p%40ss@b/0",
      HERALD_REDIS_CLUSTER: "true"
    }))
    expect(on.client.cluster).toBe(true)
    expect(on.queue.cluster).toBe(true)
    expect(RedisClient.parseClusterUrls(Redacted.value(on.client.url as Redacted.Redacted<string>))).toEqual({
      nodes: [{ host: "a", port: 1 }, { host: "b", port: 6379 }],
      redisOptions: { username: "u", password: "p@ss", tls: {} }
    })
    const off = Either.getOrThrow(load(Environment.redis, { REDIS_URL: "redis://a:1" }))
    expect(off.client.cluster).toBe(false)
    expect(off.queue.cluster).toBe(false)
  })

  it("HERALD_RETENTION is the events' TTL; under 1 second it is an error naming the variable", () => {
    expect(Either.map(load(Environment.redis, { ...REDIS, HERALD_RETENTION: "2 hours" }), (redis) => redis.retention))
      .toEqual(Either.right({ retentionSeconds: 7_200 }))
    expect(errorOf(load(Environment.redis, { ...REDIS, HERALD_RETENTION: "0 seconds" }))).toContain("HERALD_RETENTION")
  })
})

describe("the delivery queue's variables", () => {
  it("need REDIS_URL; default the prefix (with a hash tag) and the queue name", () => {
    expect(errorOf(load(Environment.redis, {}))).toContain("REDIS_URL")
    const { queue } = Either.getOrThrow(load(Environment.redis, REDIS))
    expect(queue.prefix).toBe("{herald}")
    expect(queue.queueName).toBe("deliveries")
    expect(String(queue.connection)).not.toContain("localhost")
  })

  it("reject a queue name with ':'", () => {
    expect(errorOf(load(Environment.redis, { ...REDIS, HERALD_QUEUE_NAME: "a:b" }))).toContain("HERALD_QUEUE_NAME")
  })

  it("read the lock and stall intervals, defaulting to 60 s and 30 s", () => {
    const queue = (env: Record<string, string>) => Either.map(load(Environment.redis, { ...REDIS, ...env }), (redis) => redis.queue)
    expect(Either.getOrThrow(queue({}))).toMatchObject({ lockDurationMs: 60_000, stalledIntervalMs: 30_000 })
    expect(
      Either.getOrThrow(queue({
        HERALD_QUEUE_LOCK_DURATION: "8 seconds",
        HERALD_QUEUE_STALLED_INTERVAL: "2 seconds",
        HERALD_DELIVERY_TIMEOUT: "5 seconds"
      }))
    ).toMatchObject({ lockDurationMs: 8_000, stalledIntervalMs: 2_000 })
  })

  it("read the drain's bound, by default the delivery timeout and 5 s", () => {
    const drain = (env: Record<string, string>) =>
      Either.map(load(Environment.redis, { ...REDIS, ...env }), (redis) => redis.queue.drainTimeoutMs)
    expect(drain({})).toEqual(Either.right(20_000))
    expect(drain({ HERALD_DELIVERY_TIMEOUT: "40 seconds", HERALD_QUEUE_LOCK_DURATION: "2 minutes" })).toEqual(Either.right(45_000))
    expect(drain({ HERALD_QUEUE_DRAIN_TIMEOUT: "3s" })).toEqual(Either.right(3_000))
  })

  it("refuse a lock that does not outlive the delivery timeout, naming both variables", () => {
    const error = errorOf(load(Environment.redis, { ...REDIS, HERALD_QUEUE_LOCK_DURATION: "15 seconds" }))
    expect(error).toContain("HERALD_QUEUE_LOCK_DURATION")
    expect(error).toContain("HERALD_DELIVERY_TIMEOUT")
    const tooShort = errorOf(load(Environment.redis, { ...REDIS, HERALD_QUEUE_STALLED_INTERVAL: "10 millis" }))
    expect(tooShort).toContain("HERALD_QUEUE_STALLED_INTERVAL")
  })
})

describe("the keys command", () => {
  it("reads the API's Redis connection, none without REDIS_URL", () => {
    expect(load(Environment.keysCommand, {})).toEqual(Either.right(Option.none()))
    const store = Either.getOrThrow(load(Environment.keysCommand, { ...REDIS, HERALD_REDIS_PREFIX: "{keys}:" }))
    expect(Option.map(store, (store) => store._tag === "Redis" ? store.options.prefix : store._tag)).toEqual(
      Option.some("{keys}:")
    )
  })

  it("uses the API's database when DATABASE_URL is set, whatever REDIS_URL says", () => {
    const store = Either.getOrThrow(load(Environment.keysCommand, { ...REDIS, DATABASE_URL: DATABASE }))
    expect(Option.map(store, (store) => store._tag === "Postgres" ? Redacted.value(store.url) : store._tag)).toEqual(
      Option.some(DATABASE)
    )
    // The Redis the API processes share, to tell them of a revoke.
    expect(Option.map(store, (store) => store._tag === "Postgres" && Option.isSome(store.redis))).toEqual(Option.some(true))
    const alone = Either.getOrThrow(load(Environment.keysCommand, { DATABASE_URL: DATABASE }))
    expect(Option.map(alone, (store) => store._tag === "Postgres" && Option.isNone(store.redis))).toEqual(Option.some(true))
  })
})

describe("the database", () => {
  const readAs = (env: Record<string, string>) => Effect.runSyncExit(Effect.withConfigProvider(
    Environment.read(),
    ConfigProvider.fromMap(new Map(Object.entries(env)))
  ))
  const databaseOf = (env: Record<string, string>) => {
    const exit = readAs(env)
    if (exit._tag === "Failure") throw new Error(String(exit.cause))
    return exit.value.database
  }

  it("is none without DATABASE_URL, and with it beside REDIS_URL carries the pool and who migrates", () => {
    expect(databaseOf(REDIS)).toEqual(Option.none())
    const api = Option.getOrThrow(databaseOf({ ...REDIS, DATABASE_URL: DATABASE, HERALD_ROLE: "api" }))
    expect({ ...api, url: Redacted.value(api.url) }).toEqual({
      url: DATABASE,
      pool: 10,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 30_000,
      preparedStatements: true,
      schema: "apply"
    })
    const behind = Option.getOrThrow(databaseOf({
      ...REDIS,
      DATABASE_URL: DATABASE,
      HERALD_DATABASE_MIGRATE: "false",
      HERALD_DATABASE_POOL: "3",
      HERALD_DATABASE_CONNECT_TIMEOUT: "2s",
      HERALD_DATABASE_STATEMENT_TIMEOUT: "0s",
      HERALD_DATABASE_PREPARED_STATEMENTS: "false"
    }))
    expect([behind.pool, behind.connectTimeoutMs, behind.statementTimeoutMs, behind.preparedStatements, behind.schema])
      .toEqual([3, 2_000, 0, false, "await"])
    // A worker never migrates, whatever the variable says.
    const worker = Option.getOrThrow(databaseOf({ ...REDIS, DATABASE_URL: DATABASE, HERALD_ROLE: "worker", HERALD_DATABASE_MIGRATE: "true" }))
    expect(worker.schema).toBe("await")
  })

  it("gives a delivering process the reconciler's interval, and a grace past the queue's own recovery", () => {
    const settingsOf = (env: Record<string, string>) => {
      const exit = readAs(env)
      if (exit._tag === "Failure") throw new Error(String(exit.cause))
      return exit.value.settings.reconcile
    }
    const onDatabase = { ...REDIS, DATABASE_URL: DATABASE }
    // 1 minute; the queue recovers a dead worker's jobs within 60 s + 30 s: twice the interval is longer.
    expect(settingsOf({ ...onDatabase, HERALD_ROLE: "worker" })).toEqual({ intervalMs: 60_000, graceMs: 120_000 })
    expect(settingsOf({ ...onDatabase, HERALD_RECONCILE_INTERVAL: "5s" })).toEqual({ intervalMs: 5_000, graceMs: 90_000 })
    // An API does not deliver; without a database there is nothing to reconcile.
    expect(settingsOf({ ...onDatabase, HERALD_ROLE: "api" })).toBeUndefined()
    expect(settingsOf({ ...REDIS, HERALD_ROLE: "worker" })).toBeUndefined()
    expect(errorOf(load(Environment.reconcileInterval, { HERALD_RECONCILE_INTERVAL: "10ms" }))).toContain(
      "HERALD_RECONCILE_INTERVAL"
    )
  })

  it("alone, without REDIS_URL, is refused saying why, for every role", () => {
    for (const role of ["all", "api", "worker"]) {
      const exit = readAs({ DATABASE_URL: DATABASE, HERALD_ROLE: role })
      expect(exit._tag).toBe("Failure")
      expect(String(exit._tag === "Failure" ? exit.cause : "")).toContain(Environment.databaseNeedsRedis)
    }
  })

  it("refuses a URL that is not postgres:// or postgresql://, without repeating it", () => {
    for (const url of ["mysql://root:hunter2@db/herald", "hunter2", "redis://127.0.0.1:6379"]) {
      const error = errorOf(load(Environment.databaseUrl, { DATABASE_URL: url }))
      expect(error).toContain("DATABASE_URL")
      expect(error).toContain("postgres://")
      expect(error).not.toContain("hunter2")
    }
    expect(Either.isRight(load(Environment.databaseUrl, { DATABASE_URL: "postgresql://h@db:5432/herald" }))).toBe(true)
  })

  it("refuses a pool out of range, naming the variable", () => {
    const error = errorOf(load(Environment.databasePool, { HERALD_DATABASE_POOL: "0" }))
    expect(error).toContain("HERALD_DATABASE_POOL")
  })

  it("refuses database timeouts out of range, naming the variable", () => {
    expect(errorOf(load(Environment.databaseConnectTimeout, { HERALD_DATABASE_CONNECT_TIMEOUT: "10ms" }))).toContain(
      "HERALD_DATABASE_CONNECT_TIMEOUT"
    )
    expect(errorOf(load(Environment.databaseConnectTimeout, { HERALD_DATABASE_CONNECT_TIMEOUT: "5m" }))).toContain(
      "HERALD_DATABASE_CONNECT_TIMEOUT"
    )
    expect(errorOf(load(Environment.databaseStatementTimeout, { HERALD_DATABASE_STATEMENT_TIMEOUT: "soon" }))).toContain(
      "HERALD_DATABASE_STATEMENT_TIMEOUT"
    )
  })
})

describe("a bad value", () => {
  it.each([
    ["HERALD_DISABLE_AFTER", "soon"],
    ["HERALD_DELIVERY_TIMEOUT", "x"],
    ["HERALD_EVENT_TYPES_DATAGRID", "!!"],
    ["HERALD_WORKER_CONCURRENCY", "0"],
    ["HERALD_RETRY_SCHEDULE", "x"]
  ])("of %s names the variable once", (name, value) => {
    const result = Effect.runSync(
      Effect.either(Effect.withConfigProvider(Environment.settings, ConfigProvider.fromMap(new Map([[name, value]]))))
    )
    const message = Either.isLeft(result) ? String(result.left) : "accepted"
    expect(message).toContain(`Invalid data at ${name}: `)
  })
})

describe("a port that cannot be listened on", () => {
  const configOf = (env: Record<string, string>) =>
    Effect.runSync(Environment.read().pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))))
  const taken = new HttpServerError.ServeError({ cause: Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" }) })

  it("is named by PORT for an API, by HERALD_METRICS_PORT for a worker, with what to do", () => {
    const api = Environment.listenFailure(configOf({ PORT: "8081" }))(taken)
    expect(api).toBeInstanceOf(Environment.ListenFailure)
    expect((api as Environment.ListenFailure).message).toBe(
      "PORT=8081: cannot listen on 127.0.0.1:8081: another process listens there (give each process on a host its own port; 0 takes any free one)"
    )
    const worker = Environment.listenFailure(configOf({ HERALD_ROLE: "worker", REDIS_URL: "redis://127.0.0.1:6379/0", HOST: "0.0.0.0" }))(taken)
    expect((worker as Environment.ListenFailure).message).toMatch(/^HERALD_METRICS_PORT=9464: cannot listen on 0\.0\.0\.0:9464: another process/)
    // Anything else is left as it was.
    const other = new Error("something else")
    expect(Environment.listenFailure(configOf({}))(other)).toBe(other)
  })
})

describe("the metrics' variables", () => {
  const worker = (env: Record<string, string>) =>
    load(Environment.read("worker"), { ...REDIS, ...env })

  it("HERALD_METRICS_PORT: a port, 0 for any, off for none; anything else named", () => {
    const operations = (env: Record<string, string>) =>
      Either.map(worker(env), (config) => config.role === "worker" ? config.operations : undefined)
    expect(operations({})).toEqual(Either.right(Option.some({ port: 9464, host: "127.0.0.1" })))
    expect(operations({ HERALD_METRICS_PORT: "0", HOST: "0.0.0.0" })).toEqual(Either.right(Option.some({ port: 0, host: "0.0.0.0" })))
    expect(operations({ HERALD_METRICS_PORT: "off" })).toEqual(Either.right(Option.none()))
    expect(errorOf(worker({ HERALD_METRICS_PORT: "70000" }))).toContain("HERALD_METRICS_PORT")
    expect(errorOf(worker({ HERALD_METRICS_PORT: "70000" }))).toContain("must be a port from 0 to 65535, or off")
  })

  it("HERALD_METRICS_TOKEN: 16 characters at least, never repeated in an error", () => {
    const token = Either.map(worker({ HERALD_METRICS_TOKEN: "scrape-token-0123456789" }), (config) => config.metricsToken)
    expect(Either.map(token, Option.map(Redacted.value))).toEqual(Either.right(Option.some("scrape-token-0123456789")))
    const refused = errorOf(worker({ HERALD_METRICS_TOKEN: "short-secret" }))
    expect(refused).toContain("HERALD_METRICS_TOKEN")
    expect(refused).toContain("at least 16 characters")
    expect(refused).not.toContain("short-secret")
  })
})
