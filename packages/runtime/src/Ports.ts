/**
 * Which adapters provide the ports: everything in memory (the embedded default),
 * Redis stores and the BullMQ queue when `REDIS_URL` is set, or, with
 * `DATABASE_URL` too, the durable stores on PostgreSQL and Redis for the queue
 * and the short-lived state. Deliveries go over undici in every case.
 */
import type { Migrator, SqlClient, SqlError } from "@effect/sql"
import * as BullMQ from "@herald/bullmq"
import { type DeliveryLedger, type Herald, type KeyRevocations, Readiness, Reconciler, type UrlPolicy } from "@herald/core"
import * as Memory from "@herald/memory"
import * as Postgres from "@herald/postgres"
import * as Redis from "@herald/redis"
import * as Undici from "@herald/undici"
import { Effect, Layer, Option, type Redacted } from "effect"

/**
 * What every choice of ports provides: Herald's ports, and the key revocations that let each API
 * process cache keys (`ApiKeys`; its default, `none`, would leave every request reading the store).
 */
export type Provided = Herald.Ports | KeyRevocations.KeyRevocations

/**
 * Every port in memory, deliveries over undici: the embedded default. Needs `UrlPolicy`
 * (`Herald.settingsLayer`).
 */
export const memory: Layer.Layer<Provided, never, UrlPolicy.UrlPolicy> = Layer.merge(
  Memory.MemoryLayer.layer,
  Undici.UndiciTransport.layer()
)

/** Where the Redis stores and the delivery queue are, and how long the stores keep events. */
export interface RedisSettings {
  readonly client: Redis.RedisClient.Options
  readonly retention: Redis.Retention.Options
  readonly queue: BullMQ.BullMQDeliveryQueue.Options
}

/**
 * Every port on Redis: the stores over one client, the BullMQ delivery queue, deliveries over
 * undici. For several API and worker processes sharing state. Needs `UrlPolicy`; fails with
 * `RedisError` when Redis cannot be reached.
 */
export const redis = (
  settings: RedisSettings
): Layer.Layer<Provided | Readiness.Probes, Redis.RedisClient.RedisError, UrlPolicy.UrlPolicy> => {
  // One client: the stores' and the readiness probe's (a layer used twice is built once).
  const client = Redis.RedisClient.layer(settings.client)
  return Layer.mergeAll(
    Redis.RedisLayer.layer(settings.retention).pipe(Layer.provide(client)),
    probes([Redis.RedisClient.probe]).pipe(Layer.provide(client)),
    BullMQ.BullMQDeliveryQueue.layer(settings.queue),
    Undici.UndiciTransport.layer()
  )
}

/** `Readiness.Probes` made of these probes, each built from the connection it checks. */
const probes = <R>(made: ReadonlyArray<Effect.Effect<Readiness.Probe, never, R>>) =>
  Layer.effect(Readiness.Probes, Effect.all(made))

/**
 * Where the PostgreSQL database is, how many connections a process keeps, how long it waits for
 * one and lets a statement run, and who applies the schema.
 */
export interface DatabaseSettings {
  /** A `postgres://` or `postgresql://` URL (redacted: it may hold a password). */
  readonly url: Redacted.Redacted<string>
  /** The most connections this process opens. */
  readonly pool: number
  /**
   * How long a query waits to open a connection or get one of a full pool before it fails, in ms
   * (`PostgresClient.defaults` when absent: 5 s).
   */
  readonly connectTimeoutMs?: number | undefined
  /**
   * How long a statement may run before the server cancels it, in ms; 0 for none (`PostgresClient.defaults`
   * when absent: 30 s). Applying the schema is exempt: a migration may rightly take longer.
   */
  readonly statementTimeoutMs?: number | undefined
  /**
   * Whether statements run as named prepared statements (`PostgresClient.Options`); default true,
   * false behind a pooler that cannot carry them.
   */
  readonly preparedStatements?: boolean | undefined
  /**
   * `apply`: run the migrations this database lacks before the stores start (the API, by
   * default); `await`: wait for another process to have applied them (the worker, or an API whose
   * operator runs `migrate` separately), and refuse to start after a minute.
   */
  readonly schema: "apply" | "await"
}

/** PostgreSQL for the durable stores, Redis (and its retention and queue settings) for the rest. */
export interface PostgresSettings {
  readonly database: DatabaseSettings
  readonly redis: RedisSettings
}

/** Why the PostgreSQL ports could not start. */
export type PostgresError =
  | SqlError.SqlError
  | Migrator.MigrationError
  | Postgres.Migrations.SchemaBehind
  | Redis.RedisClient.RedisError

/**
 * The durable stores on PostgreSQL (`Postgres.PostgresLayer`: webhooks, API keys, teamspaces' event
 * type definitions, events, attempts, failure streaks, ordered sequences, and the `DeliveryLedger`
 * of what is owed, which the workers' `Reconciler` rebuilds the queue from; its partitions kept
 * while the process runs), rate limits and idempotency on Redis (records that expire: a Redis emptied only resets them), the BullMQ delivery
 * queue, deliveries over undici. The schema is applied (or awaited) before any store starts. Needs
 * `UrlPolicy`.
 */
export const postgres = (
  settings: PostgresSettings
): Layer.Layer<Provided | DeliveryLedger.DeliveryLedger | Readiness.Probes, PostgresError, UrlPolicy.UrlPolicy> => {
  const { database, redis } = settings
  // Applying the schema is exempt from the statement timeout: a migration may rightly run longer.
  const schema: Layer.Layer<never, PostgresError, SqlClient.SqlClient> = database.schema === "apply"
    ? Layer.effectDiscard(Postgres.PostgresClient.withoutStatementTimeout(Postgres.Migrations.run))
    : Layer.effectDiscard(Postgres.Migrations.awaitApplied())
  const client = Layer.provideMerge(
    schema,
    Postgres.PostgresClient.layer({
      url: database.url,
      maxConnections: database.pool,
      connectTimeout: database.connectTimeoutMs,
      statementTimeout: database.statementTimeoutMs,
      preparedStatements: database.preparedStatements
    })
  )
  const redisClient = Redis.RedisClient.layer(redis.client)
  return Layer.mergeAll(
    Postgres.PostgresLayer.layer(redis.retention).pipe(Layer.provide(client)),
    Layer.mergeAll(
      Redis.RedisRateLimiter.layer,
      Redis.RedisIdempotencyStore.layer,
      Redis.RedisListenerRelay.layer,
      // API keys live in PostgreSQL, but their revocations travel over Redis like the relay's messages.
      Redis.RedisKeyRevocations.layer
    ).pipe(Layer.provide(redisClient)),
    probes<SqlClient.SqlClient | Redis.RedisClient.RedisClient>([Postgres.PostgresClient.probe, Redis.RedisClient.probe]).pipe(
      Layer.provide(Layer.merge(client, redisClient))
    ),
    BullMQ.BullMQDeliveryQueue.layer(redis.queue),
    Undici.UndiciTransport.layer()
  )
}

/**
 * The reconciler's settings of a process delivering from `redis`'s queue, run every `intervalMs`: its
 * grace outlasts the queue's own recovery of a dead worker's jobs (lock + stalled check), so it never
 * doubles a job the queue still holds (`Reconciler.graceFor`).
 */
export const reconcileSettings = (intervalMs: number, redis: RedisSettings): Reconciler.ReconcileSettingsShape => ({
  intervalMs,
  graceMs: Reconciler.graceFor(
    intervalMs,
    (redis.queue.lockDurationMs ?? BullMQ.BullMQDeliveryQueue.DEFAULT_LOCK_DURATION_MS) +
      (redis.queue.stalledIntervalMs ?? BullMQ.BullMQDeliveryQueue.DEFAULT_STALLED_INTERVAL_MS)
  )
})

/**
 * The ports the settings choose: PostgreSQL and Redis when both are set, Redis alone when only it
 * is, memory when neither (`Environment.read` refuses a database without Redis).
 */
export const chosen = (stores: {
  readonly redis: Option.Option<RedisSettings>
  readonly database: Option.Option<DatabaseSettings>
}): Layer.Layer<Provided, PostgresError, UrlPolicy.UrlPolicy> =>
  Option.match(stores.redis, {
    onNone: () => memory,
    onSome: (redisSettings) =>
      Option.match(stores.database, {
        onNone: () => redis(redisSettings),
        onSome: (database) => postgres({ database, redis: redisSettings })
      })
  })
