/**
 * The environment: the one module that names environment variables. Every
 * variable a Herald process or the keys command reads (README's configuration
 * table) is read here or by a config called from here, and validated at start:
 * a bad value stops the process with a message naming the variable. The
 * libraries take plain settings (`layer(settings)`) and parse values
 * (`Durations.parse`, `RetrySchedule.parse`, ...); which variable holds a value,
 * its default and its description are said here.
 *
 * A process reads what its role needs (README's "read by" column): the worker
 * role reads none of the API's variables, so a value meant for the API cannot
 * stop it.
 */
import { BullMQDeliveryQueue } from "@herald/bullmq"
import {
  ApiKeys,
  DeliverySettings,
  Durations,
  EndpointHealth,
  EventLimits,
  EventType,
  type Herald,
  type Profiles,
  Reconciler,
  RetrySchedule,
  SecretCipher
} from "@herald/core"
import { HeraldApi } from "@herald/http/Contract"
import * as HttpProfiles from "@herald/http/Profiles"
import * as Protection from "@herald/http/edge/Protection"
import * as PortalSettings from "@herald/http/portal/PortalSettings"
import * as RateLimiting from "@herald/http/edge/RateLimiting"
import * as RequestLimits from "@herald/http/edge/RequestLimits"
import type * as RequestLog from "@herald/http/edge/RequestLog"
import * as RequestTimeouts from "@herald/http/edge/RequestTimeouts"
import { Migrations, PostgresClient } from "@herald/postgres"
import { RedisClient, Retention } from "@herald/redis"
import { HttpServerError } from "@effect/platform"
import { SqlError } from "@effect/sql"
import { Config, ConfigError, Data, Effect, Either, LogLevel, Option, Redacted } from "effect"
import * as Logging from "./Logging.js"
import * as Ports from "./Ports.js"
import type * as Telemetry from "./Telemetry.js"
import * as Variable from "./Variable.js"

/** Which parts a process runs: `all` (the API and the delivery loop), `api` or `worker`. */
export type Role = "all" | "api" | "worker"

/**
 * The ranges the settings are held to, whether they come from variables here
 * or from `createHerald`'s options (`HeraldOptions`), so both refuse alike.
 */
export const bounds = {
  connectTimeoutMaxMs: 120_000,
  /** The rate limits' sliding window. */
  rateLimitWindow: { minMs: 1_000, maxMs: 3_600_000 },
  concurrency: { min: 1, max: 1000 },
  minFailures: { min: 1 },
  /** Event data and request bodies alike: from 1 KiB to 1 GiB. */
  bytes: { min: 1024, max: 1024 * 1024 * 1024 },
  /** The stores' retention and the queue's durations. */
  redisMinMs: 1_000,
  /** PostgreSQL connections per process. */
  databasePool: { min: 1, max: 1000 },
  /** Waiting for a PostgreSQL connection. */
  databaseConnectTimeout: { minMs: 100, maxMs: 120_000 },
  /** A PostgreSQL statement's run; 0 is none. */
  databaseStatementTimeout: { minMs: 0 }
} as const

/** `HERALD_ROLE`: the process's role, `all` by default. */
export const role: Config.Config<Role> = Config.literal("all", "api", "worker")("HERALD_ROLE").pipe(
  Config.withDefault("all" as const),
  Config.withDescription("Which parts this process runs: all (API and delivery), api, or worker")
)

// -----------------------------------------------------------------------------
// the settings every role reads
// -----------------------------------------------------------------------------

/** `HERALD_RETRY_SCHEDULE`: the delays before each delivery attempt (`RetrySchedule.parse`). */
export const retrySchedule: Config.Config<ReadonlyArray<number>> = Variable.parsed(
  "HERALD_RETRY_SCHEDULE",
  RetrySchedule.parse,
  {
    defaultText: RetrySchedule.defaultSchedule,
    description: `Delays before each delivery attempt, comma-separated, e.g. ${RetrySchedule.defaultSchedule}`
  }
)

/**
 * `HERALD_ALLOW_PRIVATE_URLS`: whether webhooks may target http:// and private addresses (local
 * development only).
 */
export const allowPrivateUrls: Config.Config<boolean> = Config.boolean("HERALD_ALLOW_PRIVATE_URLS").pipe(
  Config.withDefault(false),
  Config.withDescription("Allow http:// and private/loopback delivery targets (local development only)")
)

/**
 * `HERALD_DELIVERY_TIMEOUT`, `HERALD_DELIVERY_CONNECT_TIMEOUT` and `HERALD_WORKER_CONCURRENCY`: the
 * delivery settings.
 */
export const delivery: Config.Config<DeliverySettings.DeliverySettingsShape> = Config.all({
  timeoutMs: Variable.duration("HERALD_DELIVERY_TIMEOUT", {
    defaultMs: DeliverySettings.defaults.timeoutMs,
    description: "Total time allowed for one delivery attempt"
  }),
  connectTimeoutMs: Variable.duration("HERALD_DELIVERY_CONNECT_TIMEOUT", {
    defaultMs: DeliverySettings.defaults.connectTimeoutMs,
    maxMs: bounds.connectTimeoutMaxMs,
    description: "Time allowed to open a delivery's connection (TCP and TLS)"
  }),
  concurrency: Variable.integer("HERALD_WORKER_CONCURRENCY", {
    defaultValue: DeliverySettings.defaults.concurrency,
    ...bounds.concurrency,
    description: "Deliveries in flight at once per worker process"
  })
})

/**
 * `HERALD_DISABLE_AFTER` and `HERALD_DISABLE_MIN_FAILURES`: when a failing endpoint's webhook is
 * disabled.
 */
export const health: Config.Config<EndpointHealth.HealthPolicyShape> = Config.all({
  disableAfterMs: Variable.duration("HERALD_DISABLE_AFTER", {
    defaultMs: EndpointHealth.defaults.disableAfterMs,
    description: "Disable a webhook whose deliveries have failed without a break this long"
  }),
  minFailures: Variable.integer("HERALD_DISABLE_MIN_FAILURES", {
    defaultValue: EndpointHealth.defaults.minFailures,
    ...bounds.minFailures,
    description: "Failed attempts needed, as well as the window, before a webhook is disabled"
  })
})

/** `HERALD_ENCRYPTION_KEY`: the key that encrypts signing secrets at rest, if set (never logged). */
export const encryptionKey: Config.Config<Option.Option<Uint8Array>> = Config.option(
  Variable.secret("HERALD_ENCRYPTION_KEY", SecretCipher.parseKey, {
    description: "Encrypt signing secrets at rest (AES-256-GCM) with this 32-byte key (hex or base64)"
  })
)

/** Event data and request bodies are bounded alike (`bounds.bytes`). */
const bytes = (name: string, defaultValue: number, description: string) =>
  Variable.integer(name, { defaultValue, ...bounds.bytes, unit: "bytes", description })

/** `HERALD_MAX_EVENT_DATA_BYTES`: the largest event data a publish accepts. */
export const eventLimits: Config.Config<EventLimits.EventLimitsShape> = Config.all({
  maxDataBytes: bytes(
    "HERALD_MAX_EVENT_DATA_BYTES",
    EventLimits.defaults.maxDataBytes,
    "Largest event data a publish accepts, in bytes of JSON (413 beyond)"
  )
})

const eventTypeList = (profile: Pick<Profiles.ProfileDelivery, "name" | "eventTypes">) => {
  const name = EventType.variableOf(profile.name)
  return Config.string(name).pipe(
    Config.mapOrFail((text) =>
      // On the variable itself: its name is already the failure's path.
      Either.mapLeft(EventType.parseList(text), (message) => ConfigError.InvalidData([], message))
    ),
    Config.withDefault(profile.eventTypes),
    Config.withDescription(`The event types the ${profile.name} profile accepts (comma-separated); replaces its default list`)
  )
}

/**
 * `HERALD_EVENT_TYPES_<NAME>` for each of `profiles` (the registry's): each
 * replaces that profile's list; an unset one keeps the profile's own.
 */
export const eventTypes = (
  profiles: ReadonlyArray<Pick<Profiles.ProfileDelivery, "name" | "eventTypes">>
): Config.Config<EventType.Catalogs> =>
  Config.all(Object.fromEntries(profiles.map((profile) => [profile.name, eventTypeList(profile)])))

/** What every role reads: how deliveries are made and events kept in bounds. */
export const settings: Config.Config<Herald.Settings> = Config.all({
  retrySchedule,
  allowPrivateUrls,
  delivery,
  health,
  encryptionKey,
  eventTypes: eventTypes(HttpProfiles.all),
  eventLimits
})

// -----------------------------------------------------------------------------
// Redis: the stores and the delivery queue
// -----------------------------------------------------------------------------

/**
 * `REDIS_URL`: the Redis of the stores and the queue (redacted); unset, the embedded default keeps
 * everything in memory.
 */
export const redisUrl: Config.Config<Redacted.Redacted<string>> = Config.redacted("REDIS_URL").pipe(
  Config.withDescription(
    "The Redis of the stores and the delivery queue, e.g. redis://127.0.0.1:6379/0; unset, everything is in memory"
  )
)

/** The connection to `url`, as the stores (and the keys command) make it. */
const redisClient = (url: Redacted.Redacted<string>): Config.Config<RedisClient.Options> =>
  Config.all({
    prefix: Config.string("HERALD_REDIS_PREFIX").pipe(
      Config.withDefault(RedisClient.defaultPrefix),
      Config.withDescription("Key prefix for every Herald key; keep a {hash tag} so Redis Cluster puts them in one slot")
    ),
    cluster: Config.boolean("HERALD_REDIS_CLUSTER").pipe(
      Config.withDefault(false),
      Config.withDescription("Connect to a Redis Cluster; REDIS_URL then lists seed nodes, comma-separated")
    ),
    autoPipelining: Config.boolean("HERALD_REDIS_AUTO_PIPELINING").pipe(
      Config.withDefault(true),
      Config.withDescription("Send the Redis commands of one event-loop turn in one socket write")
    )
  }).pipe(Config.mapOrFail((options) => {
    const problem = RedisClient.urlProblem(Redacted.value(url), options.cluster)
    return problem === undefined
      ? Either.right({ url, ...options })
      : Either.left(ConfigError.InvalidData(["REDIS_URL"], problem))
  }))

/** A duration of the queue, at least 1 second. */
const queueMillis = (name: string, defaultMs: number, description: string) =>
  Variable.duration(name, { defaultMs, minMs: bounds.redisMinMs, description })

/**
 * The stores and the queue on `url`. The queue's lock must outlast a delivery
 * (`delivery`'s timeout): a shorter one lets a live delivery be taken for
 * stalled and sent twice. The drain's default follows the delivery timeout.
 */
const redisFor = (
  url: Redacted.Redacted<string>,
  delivery: DeliverySettings.DeliverySettingsShape
): Config.Config<Ports.RedisSettings> =>
  Config.all({
    client: redisClient(url),
    retentionMs: Variable.duration("HERALD_RETENTION", {
      defaultMs: Retention.defaultRetentionSeconds * 1_000,
      minMs: bounds.redisMinMs,
      description: "How long events are kept"
    }),
    prefix: Config.string("HERALD_QUEUE_PREFIX").pipe(
      Config.withDefault(BullMQDeliveryQueue.DEFAULT_PREFIX),
      Config.withDescription("Key prefix of the delivery queue; keep a {hash tag} for Redis Cluster")
    ),
    queueName: Variable.parsed("HERALD_QUEUE_NAME", BullMQDeliveryQueue.parseQueueName, {
      defaultText: BullMQDeliveryQueue.DEFAULT_QUEUE_NAME,
      description: "Name of the delivery queue"
    }),
    lockDurationMs: queueMillis(
      "HERALD_QUEUE_LOCK_DURATION",
      BullMQDeliveryQueue.DEFAULT_LOCK_DURATION_MS,
      "How long a worker holds a delivery without renewing its lock; longer than HERALD_DELIVERY_TIMEOUT"
    ),
    stalledIntervalMs: queueMillis(
      "HERALD_QUEUE_STALLED_INTERVAL",
      BullMQDeliveryQueue.DEFAULT_STALLED_INTERVAL_MS,
      "How often workers look for deliveries of a dead worker; the same in every process"
    ),
    // By default as long as a delivery in flight can take, and the time to record it.
    drainTimeoutMs: queueMillis(
      "HERALD_QUEUE_DRAIN_TIMEOUT",
      BullMQDeliveryQueue.drainTimeoutFor(delivery.timeoutMs),
      "How long a stopping process waits for the deliveries in flight to finish and be recorded before it closes the queue's connections anyway; default HERALD_DELIVERY_TIMEOUT + 5s"
    )
  }).pipe(
    Config.mapOrFail(({ client, retentionMs, ...queue }) =>
      queue.lockDurationMs > delivery.timeoutMs
        ? Either.right({
          client,
          retention: { retentionSeconds: retentionMs / 1_000 },
          queue: { connection: url, cluster: client.cluster === true, ...queue }
        })
        : Either.left(ConfigError.InvalidData(
          ["HERALD_QUEUE_LOCK_DURATION"],
          `must be longer than HERALD_DELIVERY_TIMEOUT (${delivery.timeoutMs} ms), got ${queue.lockDurationMs} ms`
        ))
    )
  )

/** The Redis stores and queue of a process (`REDIS_URL` required), with the delivery settings the queue's lock depends on. */
export const redis: Effect.Effect<Ports.RedisSettings, ConfigError.ConfigError> = Effect.flatMap(
  Config.all([redisUrl, delivery]),
  ([url, delivery]) => redisFor(url, delivery)
)


// -----------------------------------------------------------------------------
// PostgreSQL: the durable stores
// -----------------------------------------------------------------------------

/**
 * `DATABASE_URL`: the PostgreSQL database of the durable stores (redacted); unset, they stay where
 * `REDIS_URL` says. Needs `REDIS_URL` (checked by `read`).
 */
export const databaseUrl: Config.Config<Redacted.Redacted<string>> = Config.redacted("DATABASE_URL").pipe(
  Config.mapOrFail((url) => {
    const problem = PostgresClient.urlProblem(Redacted.value(url))
    return problem === undefined ? Either.right(url) : Either.left(ConfigError.InvalidData(["DATABASE_URL"], problem))
  }),
  Config.withDescription(
    "The PostgreSQL database of the durable stores (webhooks, keys, events), e.g. postgres://herald@127.0.0.1:5432/herald; needs REDIS_URL"
  )
)

/** `HERALD_LOG_FORMAT`: `json` (one object per line) or `pretty`; JSON unless stdout is a terminal. */
export const logFormat: Config.Config<Logging.Format> = Config.literal("json", "pretty")("HERALD_LOG_FORMAT").pipe(
  Config.withDefault(Logging.defaultFormat()),
  Config.withDescription("Log lines as JSON objects (json) or for a terminal (pretty); json unless stdout is a terminal")
)

/** `HERALD_LOG_LEVEL`: the least severe line written. */
export const logLevel: Config.Config<LogLevel.LogLevel> = Config.literal(
  ...(Object.keys(Logging.levels) as [Logging.LevelName, ...Array<Logging.LevelName>])
)("HERALD_LOG_LEVEL").pipe(
  Config.map((name) => Logging.levels[name]),
  Config.withDefault(LogLevel.Info),
  Config.withDescription("The least severe log line written: debug, info, warning, error or none")
)

/** What a Herald process logs (`Logging.withSettings`), read before anything else. */
export const logging: Config.Config<Logging.Settings> = Config.all({ format: logFormat, level: logLevel })

/** `HERALD_METRICS`: whether the process records metrics and serves them at `/metrics`. */
export const metrics: Config.Config<boolean> = Config.boolean("HERALD_METRICS").pipe(
  Config.withDefault(true),
  Config.withDescription("Record Herald's metrics and serve them in Prometheus' format at /metrics (true or false)")
)

/** `HERALD_METRICS_TOKEN`: the bearer token `/metrics` requires, if any. */
export const metricsToken: Config.Config<Option.Option<Redacted.Redacted<string>>> = Config.option(
  Variable.secret(
    "HERALD_METRICS_TOKEN",
    (text) => text.length >= 16 ? Either.right(Redacted.make(text)) : Either.left("must be at least 16 characters"),
    { description: "Require Authorization: Bearer <this token> on /metrics (API and worker); none by default" }
  )
)

/** `HERALD_METRICS_PORT`: where a worker-only process serves `/healthz`, `/readyz` and `/metrics`; none when `off`. */
export const metricsPort: Config.Config<Option.Option<number>> = Variable.parsed(
  "HERALD_METRICS_PORT",
  (text) => {
    if (text.trim().toLowerCase() === "off") return Either.right(Option.none())
    const port = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
    return port >= 0 && port <= 65535 ? Either.right(Option.some(port)) : Either.left("must be a port from 0 to 65535, or off")
  },
  {
    defaultText: "9464",
    description: "The port a worker serves /healthz, /readyz and /metrics on, at HOST (0: any free port, logged; off: none)"
  }
)

/**
 * Where traces go: a collector named by `OTEL_EXPORTER_OTLP_ENDPOINT` (or, for traces alone,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and the service name (`OTEL_SERVICE_NAME`, else
 * `herald` for a process running every role, `herald-api` or `herald-worker`). None without a
 * collector: no tracer is installed. OpenTelemetry's other variables are read by its exporter
 * (`Telemetry`).
 */
export const tracing = (processRole: Role): Config.Config<Option.Option<Telemetry.Settings>> =>
  Config.all({
    endpoint: Config.option(Config.string("OTEL_EXPORTER_OTLP_ENDPOINT")),
    tracesEndpoint: Config.option(Config.string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")),
    serviceName: Config.string("OTEL_SERVICE_NAME").pipe(
      Config.withDefault(processRole === "all" ? "herald" : `herald-${processRole}`)
    )
  }).pipe(Config.map(({ endpoint, serviceName, tracesEndpoint }) =>
    Option.map(Option.orElse(tracesEndpoint, () => endpoint), (at) => ({ serviceName, endpoint: at }))
  ))

/** `HERALD_DATABASE_POOL`: connections per process. */
export const databasePool: Config.Config<number> = Variable.integer("HERALD_DATABASE_POOL", {
  defaultValue: 10,
  ...bounds.databasePool,
  description: "PostgreSQL connections each process keeps open at most"
})

/** `HERALD_DATABASE_MIGRATE`: whether an API process applies the schema at start. */
export const databaseMigrate: Config.Config<boolean> = Config.boolean("HERALD_DATABASE_MIGRATE").pipe(
  Config.withDefault(true),
  Config.withDescription(
    "Apply the database's migrations when the API starts; false: wait for them to be applied (npm run migrate -w @herald/api)"
  )
)

/**
 * `HERALD_DATABASE_CONNECT_TIMEOUT`: how long a query waits to open a PostgreSQL connection, or to get
 * one of a full pool, before it fails.
 */
export const databaseConnectTimeout: Config.Config<number> = Variable.duration("HERALD_DATABASE_CONNECT_TIMEOUT", {
  defaultMs: PostgresClient.defaults.connectTimeoutMs,
  ...bounds.databaseConnectTimeout,
  description: "Time a query waits to open a PostgreSQL connection, or for a free one of the pool, before it fails"
})

/** `HERALD_DATABASE_STATEMENT_TIMEOUT`: how long a statement may run before PostgreSQL cancels it; `0s` for none. */
export const databaseStatementTimeout: Config.Config<number> = Variable.duration("HERALD_DATABASE_STATEMENT_TIMEOUT", {
  defaultMs: PostgresClient.defaults.statementTimeoutMs,
  ...bounds.databaseStatementTimeout,
  description: "Time a statement may run before PostgreSQL cancels it (statement_timeout); 0s for none"
})

/** `HERALD_DATABASE_PREPARED_STATEMENTS`: whether statements run as named prepared statements. */
export const databasePreparedStatements: Config.Config<boolean> = Config.boolean("HERALD_DATABASE_PREPARED_STATEMENTS").pipe(
  Config.withDefault(true),
  Config.withDescription(
    "Run statements as named prepared statements, planned once per connection; false behind a pooler that cannot carry them (PgBouncer in transaction mode before 1.21, or without max_prepared_statements)"
  )
)

/**
 * The database of a process in `role`: the API applies the schema unless `HERALD_DATABASE_MIGRATE`
 * is false; a worker never does (it waits for the API's).
 */
const databaseFor = (url: Redacted.Redacted<string>, role: Role): Config.Config<Ports.DatabaseSettings> =>
  Config.all({
    pool: databasePool,
    connectTimeoutMs: databaseConnectTimeout,
    statementTimeoutMs: databaseStatementTimeout,
    preparedStatements: databasePreparedStatements,
    migrate: role === "worker" ? Config.succeed(false) : databaseMigrate
  }).pipe(Config.map(({ migrate, ...connection }) => ({
    url,
    ...connection,
    schema: migrate ? "apply" as const : "await" as const
  })))

/** `HERALD_RECONCILE_INTERVAL`: how often a worker's reconciler runs (with `DATABASE_URL`). */
export const reconcileInterval: Config.Config<number> = Variable.duration("HERALD_RECONCILE_INTERVAL", {
  defaultMs: Reconciler.defaults.intervalMs,
  minMs: 1_000,
  description:
    "How often a worker puts back in the queue what PostgreSQL says is owed but the queue lost (with DATABASE_URL)"
})

/** The reconciler's settings of a process that delivers, on `redis`'s queue (`Ports.reconcileSettings`). */
const reconcileFor = (redis: Ports.RedisSettings): Config.Config<Reconciler.ReconcileSettingsShape> =>
  Config.map(reconcileInterval, (intervalMs) => Ports.reconcileSettings(intervalMs, redis))

/** Why a process on PostgreSQL could not start, said in the variables' terms. */
export class DatabaseStartFailure extends Data.TaggedError("DatabaseStartFailure")<{ readonly message: string }> {}

/**
 * The start failures of a process on PostgreSQL, as sentences naming the variables and what to do:
 * a schema never applied (the worker's and a non-migrating API's wait ran out), a database that
 * cannot be reached (the driver's reason, which never holds the password). Other errors unchanged.
 */
export const databaseStartFailure = (error: unknown): unknown => {
  if (error instanceof Migrations.SchemaBehind) {
    return new DatabaseStartFailure({
      message: `${error.message.split(" after waiting")[0]}. Start an API on this DATABASE_URL (it applies them unless ` +
        "HERALD_DATABASE_MIGRATE=false), or run `npm run -s migrate -w @herald/api` with DATABASE_URL set"
    })
  }
  if (error instanceof SqlError.SqlError) {
    const cause: unknown = error.cause
    const reason = cause instanceof Error ? cause.message : error.message
    return new DatabaseStartFailure({ message: `PostgreSQL at DATABASE_URL failed at start: ${reason}` })
  }
  return error
}

/** The port a process could not listen on, named by the variable that chose it. */
export class ListenFailure extends Data.TaggedError("ListenFailure")<{ readonly message: string }> {}

/**
 * What a server that could not listen at start says, naming the variable that chose its port
 * (`PORT` for the API, `HERALD_METRICS_PORT` for a worker's operations port). Other errors unchanged.
 */
export const listenFailure = (config: ProcessConfig) => (error: unknown): unknown => {
  if (!(error instanceof HttpServerError.ServeError)) return error
  const cause: unknown = error.cause
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : "unknown"
  const [variable, port, host] = config.role === "worker"
    ? ["HERALD_METRICS_PORT", ...Option.match(config.operations, { onNone: () => [0, ""], onSome: (at) => [at.port, at.host] })]
    : ["PORT", config.port, config.host]
  const why = code === "EADDRINUSE"
    ? `another process listens there (give each process on a host its own port; 0 takes any free one${
      config.role === "worker" ? ", off serves none" : ""
    })`
    : code === "EACCES"
    ? "this process may not listen on it (ports below 1024 need privileges)"
    : code === "EADDRNOTAVAIL"
    ? "HOST is not an address of this machine"
    : cause instanceof Error ? cause.message : String(cause)
  return new ListenFailure({ message: `${variable}=${port}: cannot listen on ${host}:${port}: ${why}` })
}

/** Why `DATABASE_URL` alone is refused. */
export const databaseNeedsRedis =
  "DATABASE_URL needs REDIS_URL: PostgreSQL keeps the history, Redis carries the delivery queue (e.g. REDIS_URL=redis://127.0.0.1:6379/0)"

/** What the migrate command reads: `DATABASE_URL`, required (a sentence says so when it is unset). */
export const migrateCommand: Effect.Effect<Redacted.Redacted<string>, ConfigError.ConfigError | Error> = Effect.flatMap(
  Config.option(databaseUrl),
  Option.match({
    onNone: () =>
      Effect.fail(
        new Error("DATABASE_URL is not set: the PostgreSQL database whose schema to apply, e.g. postgres://herald@127.0.0.1:5432/herald")
      ),
    onSome: Effect.succeed
  })
)

/**
 * A command's failure as one line: a start failure on PostgreSQL in the variables' terms, a plain
 * `Error`'s message, anything else as it prints.
 */
export const commandFailure = (error: unknown): string => {
  const described = databaseStartFailure(error)
  if (described !== error && described instanceof Error) return described.message
  return error instanceof Error && error.constructor === Error ? error.message : String(error)
}

/** The keys command's first line: where the keys it works on are, by the variables that chose it. */
export const keysStoreLine = (
  store: { readonly _tag: "Postgres" } | { readonly _tag: "Redis"; readonly options: RedisClient.Options }
): string =>
  store._tag === "Postgres"
    ? "keys: the API keys in PostgreSQL (DATABASE_URL)"
    : `keys: the API keys in Redis (REDIS_URL, prefix ${store.options.prefix ?? RedisClient.defaultPrefix})`

/**
 * What the keys command reads: where the API keeps its keys, PostgreSQL (`DATABASE_URL`) or Redis
 * (`REDIS_URL` and the client's variables); neither for the embedded default. Beside PostgreSQL,
 * the Redis the API processes share, when set, to tell them of a revoke.
 */
export const keysCommand: Effect.Effect<
  Option.Option<
    | {
      readonly _tag: "Postgres"
      readonly url: Redacted.Redacted<string>
      readonly redis: Option.Option<RedisClient.Options>
    }
    | { readonly _tag: "Redis"; readonly options: RedisClient.Options }
  >,
  ConfigError.ConfigError
> = Effect.gen(function*() {
  const database = yield* Config.option(databaseUrl)
  const url = yield* Config.option(redisUrl)
  const redis = Option.isSome(url) ? Option.some(yield* redisClient(url.value)) : Option.none()
  if (Option.isSome(database)) return Option.some({ _tag: "Postgres" as const, url: database.value, redis })
  if (Option.isNone(redis)) return Option.none()
  return Option.some({ _tag: "Redis" as const, options: redis.value })
})

// -----------------------------------------------------------------------------
// what only a process serving HTTP reads
// -----------------------------------------------------------------------------

/** Node needs the headers timeout no longer than the request's, which covers the headers too. */
const timeoutRange = { minMs: 100, maxMs: 600_000 }

/**
 * `HERALD_HEADERS_TIMEOUT` and `HERALD_REQUEST_TIMEOUT`. Unset, the headers
 * timeout is its default or the request timeout, whichever is shorter, so that
 * a short request timeout alone does not stop the start over a variable nobody set.
 */
export const timeouts: Config.Config<RequestTimeouts.Timeouts> = Config.all({
  headersMs: Config.option(Variable.duration("HERALD_HEADERS_TIMEOUT", {
    ...timeoutRange,
    description: `Time a client has to send a request's headers (408 after; default ${
      Durations.format(RequestTimeouts.defaults.headersMs)
    }, or HERALD_REQUEST_TIMEOUT if shorter)`
  })),
  requestMs: Variable.duration("HERALD_REQUEST_TIMEOUT", {
    ...timeoutRange,
    defaultMs: RequestTimeouts.defaults.requestMs,
    description: "Time a client has to send a whole request, headers and body (408 after)"
  })
}).pipe(
  Config.mapOrFail(({ headersMs, requestMs }) =>
    Option.match(headersMs, {
      onNone: () => Either.right({ headersMs: Math.min(RequestTimeouts.defaults.headersMs, requestMs), requestMs }),
      onSome: (headersMs) =>
        headersMs <= requestMs ? Either.right({ headersMs, requestMs }) : Either.left(ConfigError.InvalidData(
          ["HERALD_HEADERS_TIMEOUT"],
          `must be no longer than HERALD_REQUEST_TIMEOUT (${Durations.format(requestMs)}), which covers the headers too`
        ))
    })
  )
)

/** `HERALD_REQUEST_LOG`: which API requests are logged (`all`, `errors` or `off`). */
export const requestLog: Config.Config<RequestLog.RequestLog> = Config.literal("all", "errors", "off")("HERALD_REQUEST_LOG")
  .pipe(
    Config.withDefault("errors" as const),
    Config.withDescription("Which API requests are logged: all, errors (status >= 400), or off")
  )

/** `HERALD_API_KEYS=key=teamspace,key2=teamspace2:read+events:publish`, a secret: the value never reaches a log. */
export const apiKeys: Config.Config<ReadonlyArray<ApiKeys.SeedKey>> = Variable.secret("HERALD_API_KEYS", ApiKeys.parseSeed, {
  defaultText: "",
  description: "API keys to accept: key=teamspace,key2=teamspace2:scope+scope"
})

/** `HERALD_RATE_LIMITS` and `HERALD_RATE_LIMIT_WINDOW`; route names must be routes of the API. */
const rateLimits: Config.Config<RateLimiting.Settings> = Config.all({
  windowMs: Variable.duration("HERALD_RATE_LIMIT_WINDOW", {
    defaultMs: RateLimiting.DEFAULT_WINDOW_MS,
    ...bounds.rateLimitWindow,
    description: "The rate limits' sliding window"
  }),
  text: Config.string("HERALD_RATE_LIMITS").pipe(
    Config.withDefault(""),
    Config.withDescription("off, or requests per window: default=600,POST /v1/events=6000")
  )
}).pipe(
  Config.mapOrFail(({ text, windowMs }) =>
    Either.mapLeft(
      RateLimiting.parse(text, windowMs, Protection.routesOf(HeraldApi)),
      (message) => ConfigError.InvalidData(["HERALD_RATE_LIMITS"], message)
    )
  )
)

/** Rate limits and request limits. */
export const protection: Config.Config<Protection.Settings> = Config.all({
  rateLimits,
  requestLimits: Config.all({
    maxBodyBytes: bytes("HERALD_MAX_BODY_BYTES", RequestLimits.defaults.maxBodyBytes, "Largest request body, in bytes (413 beyond)")
  })
})

/** `HOST`: the API's bind address, and a worker's operations port's. */
const host = Config.string("HOST").pipe(Config.withDefault("127.0.0.1"), Config.withDescription("HTTP bind address"))

/** `HERALD_PUBLIC_URL`, `HERALD_PORTAL_FRAME_ANCESTORS` and `HERALD_PORTAL_THEME`: how the portal is linked, framed and branded. */
export const portal: Config.Config<PortalSettings.PortalSettingsShape> = Config.all({
  publicUrl: Config.option(Variable.parsed("HERALD_PUBLIC_URL", PortalSettings.parsePublicUrl, {
    description:
      "The URL clients reach the API at (e.g. https://webhooks.example.com); portal session links start with it. By default: http:// and the request's Host"
  })),
  frameAncestors: Variable.parsed("HERALD_PORTAL_FRAME_ANCESTORS", PortalSettings.parseFrameAncestors, {
    defaultText: PortalSettings.defaults.frameAncestors,
    description: "Who may put the portal in a frame: the CSP frame-ancestors sources, e.g. 'self' https://dashboard.example.com"
  }),
  theme: Variable.parsed("HERALD_PORTAL_THEME", PortalSettings.parseTheme, {
    defaultText: "{}",
    description: "The portal's brand colour and logo: {\"brand\": \"#0a7cff\", \"logo\": \"https://example.com/logo.svg\"}"
  })
}).pipe(Config.map(({ publicUrl, ...rest }) => ({ ...rest, publicUrl: Option.getOrUndefined(publicUrl) })))

const http = Config.all({
  port: Variable.integer("PORT", { defaultValue: 8080, min: 0, max: 65535, description: "HTTP port (0: any free port, logged)" }),
  host,
  timeouts,
  requestLog,
  apiKeys,
  protection,
  portal
})

/** An event's data travels in a publish's body, so a data limit over the body limit could never be reached. */
const dataFitsBody = <A extends { readonly settings: Herald.Settings; readonly protection: Protection.Settings }>(config: A) => {
  const data = config.settings.eventLimits?.maxDataBytes ?? EventLimits.defaults.maxDataBytes
  const body = config.protection.requestLimits.maxBodyBytes
  return data <= body ? Either.right(config) : Either.left(ConfigError.InvalidData(
    ["HERALD_MAX_EVENT_DATA_BYTES"],
    `is ${data} bytes, more than HERALD_MAX_BODY_BYTES (${body}), the largest request body, which must carry the data: raise HERALD_MAX_BODY_BYTES too`
  ))
}

/** The settings and, for a role serving HTTP, the API's: read together, so their mistakes are reported together. */
const serving = Config.all([settings, http]).pipe(
  Config.map(([settings, http]) => ({ settings, ...http })),
  Config.mapOrFail(dataFitsBody)
)

// -----------------------------------------------------------------------------
// a process
// -----------------------------------------------------------------------------

interface Common {
  readonly settings: Herald.Settings
  /** Where traces go (`tracing`); none without a collector. */
  readonly tracing: Option.Option<Telemetry.Settings>
  /** Whether metrics are recorded and served (`HERALD_METRICS`). */
  readonly metrics: boolean
  /** The bearer token `/metrics` requires (`HERALD_METRICS_TOKEN`), if any. */
  readonly metricsToken: Option.Option<Redacted.Redacted<string>>
  /** The Redis stores and queue; none for the embedded default (memory). */
  readonly redis: Option.Option<Ports.RedisSettings>
  /** The durable stores' database (`DATABASE_URL`); only ever set beside `redis`. */
  readonly database: Option.Option<Ports.DatabaseSettings>
}

/**
 * The configuration of a process that serves HTTP (role `all` or `api`): Herald's settings, Redis
 * if any, and the API's listen address, timeouts, request log, keys and limits.
 */
export type ServingConfig = Common & Config.Config.Success<typeof http> & { readonly role: "all" | "api" }
/** The configuration of a worker process: Herald's settings, Redis, and its operations port. */
export type WorkerConfig = Common & {
  readonly role: "worker"
  /** Where its operations port listens; none with `HERALD_METRICS_PORT=off`. */
  readonly operations: Option.Option<{ readonly port: number; readonly host: string }>
}
/** What `read` returns: the configuration of a process, by role. */
export type ProcessConfig = ServingConfig | WorkerConfig

/** Why a role that needs Redis cannot start without it. */
const needsRedis = (role: Role) =>
  role === "worker"
    ? "REDIS_URL is not set: the worker delivers from the queue on Redis (e.g. REDIS_URL=redis://127.0.0.1:6379/0); the embedded default, npm start, delivers in its own process"
    : `HERALD_ROLE=${role} needs REDIS_URL: the embedded default runs API and worker in one process`

/**
 * The configuration of a process: its role (`HERALD_ROLE`, unless the entry
 * point fixes it), then `REDIS_URL` and `DATABASE_URL` (so a role or a database
 * that needs Redis says so before anything else is read or connects), then what
 * the role reads.
 */
export const read = (fixedRole?: Role): Effect.Effect<ProcessConfig, ConfigError.ConfigError | Error> =>
  Effect.gen(function*() {
    const processRole = fixedRole ?? (yield* role)
    const recordsMetrics = yield* metrics
    const scrapeToken = yield* metricsToken
    const traces = yield* tracing(processRole)
    const url = yield* Config.option(redisUrl)
    const dbUrl = yield* Config.option(databaseUrl)
    if (Option.isSome(dbUrl) && Option.isNone(url)) return yield* Effect.fail(new Error(databaseNeedsRedis))
    if (Option.isNone(url) && processRole !== "all") return yield* Effect.fail(new Error(needsRedis(processRole)))
    /** The stores, and the settings with the reconciler's when this process delivers from a ledger. */
    const stores = (settings: Herald.Settings) =>
      Effect.gen(function*() {
        const redis = yield* Option.match(url, {
          onNone: () => Effect.succeedNone,
          onSome: (url) => Effect.asSome(redisFor(url, settings.delivery))
        })
        const database = yield* Option.match(dbUrl, {
          onNone: () => Effect.succeedNone,
          onSome: (url) => Effect.asSome(databaseFor(url, processRole))
        })
        const reconcile = Option.isSome(redis) && Option.isSome(database) && processRole !== "api"
          ? yield* reconcileFor(redis.value)
          : undefined
        return { redis, database, settings: reconcile === undefined ? settings : { ...settings, reconcile } }
      })
    if (processRole === "worker") {
      const [workerSettings, port, operationsHost] = yield* Config.all([settings, metricsPort, host])
      const operations = Option.map(port, (port) => ({ port, host: operationsHost }))
      return {
        role: processRole,
        metrics: recordsMetrics,
        metricsToken: scrapeToken,
        tracing: traces,
        operations,
        ...(yield* stores(workerSettings))
      }
    }
    const config = yield* serving
    return {
      ...config,
      role: processRole,
      metrics: recordsMetrics,
      metricsToken: scrapeToken,
      tracing: traces,
      ...(yield* stores(config.settings))
    }
  })
