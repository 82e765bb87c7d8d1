/**
 * `createHerald`'s options: plain values (milliseconds, counts, text) for an
 * application that embeds Herald without Effect, checked and turned into the
 * settings and ports Herald's processes use. What `Environment` reads from
 * variables these say in code, with the same defaults (README's configuration
 * table) and the same ranges (`Environment.bounds`); a bad option is an
 * `InvalidInput` that names the option as written (`delivery.timeoutMs`) and
 * says what it accepts.
 */
import { BullMQDeliveryQueue } from "@herald/bullmq"
import {
  ApiKeys,
  ApiKeyStore,
  DeliverySettings,
  Durations,
  EndpointHealth,
  Errors,
  EventLimits,
  EventType,
  type Herald,
  Reconciler,
  RetrySchedule,
  SecretCipher
} from "@herald/core"
import { HeraldApi } from "@herald/http/Contract"
import * as Protection from "@herald/http/edge/Protection"
import * as PortalSettings from "@herald/http/portal/PortalSettings"
import * as RateLimiting from "@herald/http/edge/RateLimiting"
import * as RequestLimits from "@herald/http/edge/RequestLimits"
import * as RequestLog from "@herald/http/edge/RequestLog"
import * as HttpProfiles from "@herald/http/Profiles"
import { PostgresClient } from "@herald/postgres"
import { RedisClient, Retention } from "@herald/redis"
import { Either, type LogLevel, Option, Redacted, Schema } from "effect"
import { bounds } from "./Environment.js"
import * as Logging from "./Logging.js"
import * as Ports from "./Ports.js"

/** Everything in this process's memory: nothing to install, lost on exit. */
export interface MemoryStorage {
  readonly kind: "memory"
}

/** The stores on Redis and the delivery queue on BullMQ (the same Redis), shared by every process using them. */
export interface RedisStorage {
  readonly kind: "redis"
  /** `redis://[:password@]host:port/db` (or `rediss://`); with `cluster`, comma-separated seed nodes. */
  readonly url: string
  /** Connect to a Redis Cluster. Default false. */
  readonly cluster?: boolean | undefined
  /** Prefix of the stores' keys; keep a `{hash tag}` for Redis Cluster. Default `{herald}:`. */
  readonly prefix?: string | undefined
  /** Prefix of the delivery queue's keys. Default `{herald}`. */
  readonly queuePrefix?: string | undefined
  /** Name of the delivery queue, without `:`. Default `deliveries`. */
  readonly queueName?: string | undefined
  /** How long events and attempts are kept, in ms (at least 1 s). Default 30 days. */
  readonly retentionMs?: number | undefined
  /** How long a worker holds a delivery without renewing its lock, in ms; longer than `delivery.timeoutMs`. Default 1 minute. */
  readonly lockDurationMs?: number | undefined
  /** How often workers look for deliveries of a dead worker, in ms; the same in every process. Default 30 s. */
  readonly stalledIntervalMs?: number | undefined
  /**
   * How long `close()` waits for the deliveries in flight to finish and be recorded, in ms, before it
   * closes the queue's connections anyway (Redis unreachable): those deliveries are made again once
   * their lock expires. Default `delivery.timeoutMs` + 5 s.
   */
  readonly drainTimeoutMs?: number | undefined
  /** Send the commands of one event-loop turn in one socket write. Default true. */
  readonly autoPipelining?: boolean | undefined
}

/**
 * Webhooks, API keys and events in PostgreSQL, the delivery queue and the short-lived state (rate
 * limits, idempotency) on Redis: the production setup. Takes the Redis options too, its URL as
 * `redisUrl`.
 */
export interface PostgresStorage extends Omit<RedisStorage, "kind" | "url"> {
  readonly kind: "postgres"
  /** `postgres://user:password@host:5432/database` (or `postgresql://`). */
  readonly databaseUrl: string
  /** The Redis of the queue: `redis://[:password@]host:port/db` (or `rediss://`). */
  readonly redisUrl: string
  /** The most connections this process opens (1 to 1000). Default 10. */
  readonly pool?: number | undefined
  /**
   * How long a query waits to open a connection, or for a free one of the pool, before it fails, in
   * ms (100 ms to 2 minutes). Default 5 s.
   */
  readonly connectTimeoutMs?: number | undefined
  /**
   * How long a statement may run before PostgreSQL cancels it (`statement_timeout`), in ms; 0 for
   * none. Applying the schema is exempt. Default 30 s.
   */
  readonly statementTimeoutMs?: number | undefined
  /**
   * Run statements as named prepared statements, parsed and planned once per connection (about
   * half PostgreSQL's CPU per event). `false` behind a pooler that cannot carry them (PgBouncer in
   * transaction mode before 1.21, or without `max_prepared_statements`). Default true.
   */
  readonly preparedStatements?: boolean | undefined
  /**
   * Apply the schema's migrations when starting (under an advisory lock, so processes may start
   * together). `false`: wait up to a minute for another process to have applied them. Default true.
   */
  readonly migrate?: boolean | undefined
  /**
   * How often this process, when it delivers, puts back in the queue what the database records as
   * owed but the queue lost, in ms (at least 1 s). Default 1 minute.
   */
  readonly reconcileIntervalMs?: number | undefined
}

/** The least severe log line Herald writes: `info` by default, `none` for silence. */
export type LogLevelName = Logging.LevelName

/**
 * What `createHerald` takes, every field optional: where Herald keeps its data
 * (`storage`), whether this process delivers (`deliver`), and Herald's settings
 * as plain values. Unknown or bad fields are refused, each named.
 */
export interface HeraldOptions {
  /** Where webhooks, events, attempts and the delivery queue are kept. Default memory. */
  readonly storage?: MemoryStorage | RedisStorage | PostgresStorage | undefined
  /**
   * Run the delivery loop in this process. Default true. `false` publishes only
   * (Redis storage): a Herald worker on the same Redis delivers.
   */
  readonly deliver?: boolean | undefined
  /**
   * The delay before each delivery attempt, in ms (`[0, 5_000, 300_000]`) or as
   * text (`"0s,5s,5m"`); as many attempts as entries. Default `0s,5s,5m,30m,2h,5h,10h,10h`.
   */
  readonly retrySchedule?: ReadonlyArray<number> | string | undefined
  /** Let webhooks target `http://` and loopback or private addresses: local development and tests only. Default false. */
  readonly allowPrivateUrls?: boolean | undefined
  readonly delivery?: {
    /** Total time for one delivery attempt, in ms. Default 15 s. */
    readonly timeoutMs?: number | undefined
    /** Time to open a delivery's connection, within the total, in ms (at most 2 minutes). Default 5 s. */
    readonly connectTimeoutMs?: number | undefined
    /** Deliveries in flight at once in this process (1 to 1000). Default 50. */
    readonly concurrency?: number | undefined
  } | undefined
  /** When a failing webhook is disabled: failing without a success this long (ms) and this many times. Default 5 days, 10. */
  readonly health?: {
    readonly disableAfterMs?: number | undefined
    readonly minFailures?: number | undefined
  } | undefined
  /** Store signing secrets encrypted (AES-256-GCM) with this 32-byte key, as 64 hex characters or base64. */
  readonly encryptionKey?: string | undefined
  /**
   * The wire profile of the webhooks created here, whose envelope and signature
   * headers their deliveries use: `datagrid` (the default), `exa` or `diga`.
   */
  readonly profile?: string | undefined
  /**
   * Your event types (`order.created`): the only ones events may have and
   * webhooks may subscribe to, whatever their profile. The profiles' default
   * lists (the seed APIs' types) when absent.
   */
  readonly eventTypes?: ReadonlyArray<string> | undefined
  /** Largest event `data`, as JSON in UTF-8 bytes (1 KiB to 1 GiB). Default 256 KiB. */
  readonly maxEventDataBytes?: number | undefined
  /** The least severe log line written (Effect's console logger). Default `info`. */
  readonly logLevel?: LogLevelName | undefined
}

/** The options checked: what the layers are built from. */
export interface Resolved {
  readonly settings: Herald.Settings
  /** The Redis stores and queue; none for memory. */
  readonly redis: Option.Option<Ports.RedisSettings>
  /** The PostgreSQL stores' database; only beside `redis`. */
  readonly database: Option.Option<Ports.DatabaseSettings>
  readonly deliver: boolean
  /** The profile webhooks are created through when their input names none. */
  readonly profile: string
  readonly logLevel: LogLevel.LogLevel
}

const logLevels = Logging.levels

type Path = ReadonlyArray<string | number>

/** Collects the issues of one set of options; each reads a value or its default and notes what is wrong with it. */
const checker = () => {
  const issues: Array<Errors.Issue> = []
  const refuse = (path: Path, message: string) =>
    issues.push(new Errors.Issue({ path: [...path], message: `${Errors.fieldName(path)} ${message}` }))
  const is = <A>(path: Path, value: unknown, fallback: A, test: (value: unknown) => value is A, accepted: string): A => {
    if (value === undefined) return fallback
    if (test(value)) return value
    refuse(path, `must be ${accepted}`)
    return fallback
  }
  const isString = (value: unknown): value is string => typeof value === "string"
  const check = {
    issues,
    refuse,
    boolean: (path: Path, value: unknown, fallback: boolean) =>
      is(path, value, fallback, (v): v is boolean => typeof v === "boolean", "true or false"),
    text: (path: Path, value: unknown, fallback: string) => is(path, value, fallback, isString, "a string"),
    /** A whole number from `min` to `max`. */
    count: (path: Path, value: unknown, fallback: number, range: { readonly min: number; readonly max?: number }) => {
      const { max = Infinity, min } = range
      const inRange = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
      return is(path, value, fallback, inRange, `a whole number ${max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`}, not ${String(value)}`)
    },
    /** Whole milliseconds from `minMs` (1 ms unless given) to `maxMs`. */
    millis: (path: Path, value: unknown, fallback: number, range: { readonly minMs?: number; readonly maxMs?: number } = {}) => {
      const { maxMs = Infinity, minMs = 1 } = range
      const inRange = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= minMs && (v as number) <= maxMs
      const span = maxMs === Infinity
        ? `at least ${Durations.format(minMs)}`
        : `from ${Durations.format(minMs)} to ${Durations.format(maxMs)}`
      return is(path, value, fallback, inRange, `whole milliseconds, ${span}, not ${String(value)}`)
    },
    /** Text a library's parser reads (the same parsers as the environment's variables). */
    parsed: <A>(path: Path, value: unknown, fallback: A, parse: (text: string) => Either.Either<A, string>): A => {
      if (value === undefined) return fallback
      const parsed = isString(value) ? parse(value) : Either.left("must be a string")
      if (Either.isRight(parsed)) return parsed.right
      refuse(path, parsed.left)
      return fallback
    },
    /** `value` must be an object (when given) with no names but `known`: a misspelt option is not silently ignored. */
    object: (path: Path, value: unknown, known: ReadonlyArray<string>): Readonly<Record<string, unknown>> => {
      if (value === undefined) return {}
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        refuse(path, "must be an object")
        return {}
      }
      for (const name of Object.keys(value)) {
        if (!known.includes(name)) refuse([...path, name], `is not an option; known: ${known.join(", ")}`)
      }
      return value as Readonly<Record<string, unknown>>
    }
  }
  return check
}

type Checker = ReturnType<typeof checker>

const defaultSchedule = Either.getOrThrow(RetrySchedule.parse(RetrySchedule.defaultSchedule))

/** Milliseconds are checked by `RetrySchedule.parse` as the text `Nms`, so both forms meet the same rules. */
const retrySchedule = (check: Checker, value: unknown): ReadonlyArray<number> => {
  if (!Array.isArray(value)) return check.parsed(["retrySchedule"], value, defaultSchedule, RetrySchedule.parse)
  const bad = value.findIndex((delay) => !Number.isSafeInteger(delay) || delay < 0)
  if (bad >= 0) {
    check.refuse(["retrySchedule", bad], `must be whole milliseconds, at least 0, not ${String(value[bad])}`)
    return defaultSchedule
  }
  return check.parsed(["retrySchedule"], value.map((delay) => `${delay}ms`).join(","), defaultSchedule, RetrySchedule.parse)
}

/** A list checked by `EventType.parseList`, the parser of the variables' comma-separated lists. */
const eventTypeList = (check: Checker, value: unknown): ReadonlyArray<EventType.EventType> | undefined => {
  if (value === undefined) return undefined
  const bad = Array.isArray(value) ? value.findIndex((type) => typeof type !== "string" || type.includes(",")) : -1
  if (!Array.isArray(value) || bad >= 0) {
    check.refuse(bad >= 0 ? ["eventTypes", bad] : ["eventTypes"], "must be a list of event types, e.g. [\"order.created\"]")
    return undefined
  }
  return check.parsed(["eventTypes"], value.join(","), undefined, EventType.parseList)
}

/** The Redis options of the `redis` and `postgres` kinds; the URL is `urlName` (`url`, or `redisUrl` beside a database). */
const redis = (
  check: Checker,
  value: Readonly<Record<string, unknown>>,
  delivery: DeliverySettings.DeliverySettingsShape,
  urlName: "url" | "redisUrl"
): Ports.RedisSettings => {
  const at = (name: string) => ["storage", name]
  const url = check.text(at(urlName), value[urlName], "")
  if (url.trim() === "") check.refuse(at(urlName), "is required: the Redis of the stores and the queue, e.g. redis://127.0.0.1:6379/0")
  const cluster = check.boolean(at("cluster"), value["cluster"], false)
  const problem = url.trim() === "" ? undefined : RedisClient.urlProblem(url, cluster)
  if (problem !== undefined) check.refuse(at(urlName), problem)
  const lockDurationMs = check.millis(at("lockDurationMs"), value["lockDurationMs"], BullMQDeliveryQueue.DEFAULT_LOCK_DURATION_MS, {
    minMs: bounds.redisMinMs
  })
  // The lock must outlast a delivery: a shorter one lets a live delivery be taken for stalled and sent twice.
  if (lockDurationMs <= delivery.timeoutMs) {
    check.refuse(at("lockDurationMs"), `must be longer than delivery.timeoutMs (${delivery.timeoutMs} ms), not ${lockDurationMs}`)
  }
  return {
    client: {
      url,
      cluster,
      prefix: check.text(at("prefix"), value["prefix"], RedisClient.defaultPrefix),
      autoPipelining: check.boolean(at("autoPipelining"), value["autoPipelining"], true)
    },
    retention: {
      retentionSeconds: check.millis(at("retentionMs"), value["retentionMs"], Retention.defaultRetentionSeconds * 1_000, {
        minMs: bounds.redisMinMs
      }) / 1_000
    },
    queue: {
      connection: url,
      cluster,
      prefix: check.text(at("queuePrefix"), value["queuePrefix"], BullMQDeliveryQueue.DEFAULT_PREFIX),
      queueName: check.parsed(at("queueName"), value["queueName"], BullMQDeliveryQueue.DEFAULT_QUEUE_NAME, BullMQDeliveryQueue.parseQueueName),
      lockDurationMs,
      stalledIntervalMs: check.millis(at("stalledIntervalMs"), value["stalledIntervalMs"], BullMQDeliveryQueue.DEFAULT_STALLED_INTERVAL_MS, {
        minMs: bounds.redisMinMs
      }),
      drainTimeoutMs: check.millis(at("drainTimeoutMs"), value["drainTimeoutMs"], BullMQDeliveryQueue.drainTimeoutFor(delivery.timeoutMs), {
        minMs: bounds.redisMinMs
      })
    }
  }
}

/** The names `createHerald` takes (README's table of its options lists each, a test holds it so). */
export const optionNames: ReadonlyArray<keyof HeraldOptions> = [
  "storage",
  "deliver",
  "retrySchedule",
  "allowPrivateUrls",
  "delivery",
  "health",
  "encryptionKey",
  "profile",
  "eventTypes",
  "maxEventDataBytes",
  "logLevel"
]

const database = (check: Checker, value: Readonly<Record<string, unknown>>): Ports.DatabaseSettings => {
  const at = (name: string) => ["storage", name]
  const url = check.text(at("databaseUrl"), value["databaseUrl"], "")
  // The reason never repeats the value, which may hold a password.
  const problem = PostgresClient.urlProblem(url)
  if (problem !== undefined) check.refuse(at("databaseUrl"), url.trim() === "" ? `is required and ${problem}` : problem)
  return {
    url: Redacted.make(url),
    pool: check.count(at("pool"), value["pool"], 10, bounds.databasePool),
    connectTimeoutMs: check.millis(
      at("connectTimeoutMs"),
      value["connectTimeoutMs"],
      PostgresClient.defaults.connectTimeoutMs,
      bounds.databaseConnectTimeout
    ),
    statementTimeoutMs: check.millis(
      at("statementTimeoutMs"),
      value["statementTimeoutMs"],
      PostgresClient.defaults.statementTimeoutMs,
      bounds.databaseStatementTimeout
    ),
    preparedStatements: check.boolean(at("preparedStatements"), value["preparedStatements"], true),
    schema: check.boolean(at("migrate"), value["migrate"], true) ? "apply" : "await"
  }
}

const redisOptions = [
  "kind",
  "url",
  "cluster",
  "prefix",
  "queuePrefix",
  "queueName",
  "retentionMs",
  "lockDurationMs",
  "stalledIntervalMs",
  "drainTimeoutMs",
  "autoPipelining"
]

/** What the `postgres` kind takes beside the Redis options (whose URL it names `redisUrl`). */
const postgresOptions = [
  "databaseUrl",
  "redisUrl",
  "pool",
  "connectTimeoutMs",
  "statementTimeoutMs",
  "preparedStatements",
  "migrate",
  "reconcileIntervalMs"
]

/** The options checked, or every issue found in them. */
export const resolve = (input: HeraldOptions = {}): Either.Either<Resolved, Errors.InvalidInput> => {
  const check = checker()
  const options = check.object([], input, optionNames)

  const profiles = HttpProfiles.all.map((profile) => profile.name)
  const profile = check.parsed(["profile"], options["profile"], HttpProfiles.all[0].name, (name) =>
    profiles.includes(name) ? Either.right(name) : Either.left(`must be one of ${profiles.join(", ")}, not ${Errors.echo(name)}`))
  const eventTypes = eventTypeList(check, options["eventTypes"])

  const deliveryIn = check.object(["delivery"], options["delivery"], ["timeoutMs", "connectTimeoutMs", "concurrency"])
  const delivery: DeliverySettings.DeliverySettingsShape = {
    timeoutMs: check.millis(["delivery", "timeoutMs"], deliveryIn["timeoutMs"], DeliverySettings.defaults.timeoutMs),
    connectTimeoutMs: check.millis(["delivery", "connectTimeoutMs"], deliveryIn["connectTimeoutMs"], DeliverySettings.defaults.connectTimeoutMs, {
      maxMs: bounds.connectTimeoutMaxMs
    }),
    concurrency: check.count(["delivery", "concurrency"], deliveryIn["concurrency"], DeliverySettings.defaults.concurrency, bounds.concurrency)
  }
  const healthIn = check.object(["health"], options["health"], ["disableAfterMs", "minFailures"])

  const storageIn = options["storage"] ?? { kind: "memory" }
  const kind = typeof storageIn === "object" && storageIn !== null && "kind" in storageIn ? storageIn.kind : undefined
  const storage = check.object(
    ["storage"],
    storageIn,
    kind === "postgres" ? [...redisOptions.filter((name) => name !== "url"), ...postgresOptions] : redisOptions
  )
  const deliver = check.boolean(["deliver"], options["deliver"], true)
  let redisSettings = Option.none<Ports.RedisSettings>()
  let databaseSettings = Option.none<Ports.DatabaseSettings>()
  let reconcile: Reconciler.ReconcileSettingsShape | undefined
  if (storage["kind"] === "redis") {
    redisSettings = Option.some(redis(check, storage, delivery, "url"))
  } else if (storage["kind"] === "postgres") {
    const queue = redis(check, storage, delivery, "redisUrl")
    redisSettings = Option.some(queue)
    databaseSettings = Option.some(database(check, storage))
    const intervalMs = check.millis(["storage", "reconcileIntervalMs"], storage["reconcileIntervalMs"], Reconciler.defaults.intervalMs, {
      minMs: 1_000
    })
    reconcile = Ports.reconcileSettings(intervalMs, queue)
  } else if (storage["kind"] !== "memory") {
    check.refuse(["storage", "kind"], `must be "memory", "redis" or "postgres", not ${String(storage["kind"])}`)
  } else {
    if (Object.keys(storage).length > 1) check.refuse(["storage"], "of kind memory takes no other option")
    if (!deliver) {
      check.refuse(["deliver"], "may be false only with Redis storage: in memory, no other process can deliver what this one publishes")
    }
  }

  const settings: Herald.Settings = {
    retrySchedule: retrySchedule(check, options["retrySchedule"]),
    allowPrivateUrls: check.boolean(["allowPrivateUrls"], options["allowPrivateUrls"], false),
    delivery,
    health: {
      disableAfterMs: check.millis(["health", "disableAfterMs"], healthIn["disableAfterMs"], EndpointHealth.defaults.disableAfterMs),
      minFailures: check.count(["health", "minFailures"], healthIn["minFailures"], EndpointHealth.defaults.minFailures, bounds.minFailures)
    },
    encryptionKey: Option.fromNullable(check.parsed(["encryptionKey"], options["encryptionKey"], undefined, SecretCipher.parseKey)),
    // One list for every profile: an application's own types, not the seed APIs' beside them.
    eventTypes: eventTypes === undefined
      ? undefined
      : Object.fromEntries(HttpProfiles.all.map(({ name }) => [name, eventTypes])),
    eventLimits: {
      maxDataBytes: check.count(["maxEventDataBytes"], options["maxEventDataBytes"], EventLimits.defaults.maxDataBytes, bounds.bytes)
    },
    ...(reconcile === undefined ? {} : { reconcile })
  }
  const logLevel = check.parsed(["logLevel"], options["logLevel"], "info", (name): Either.Either<LogLevelName, string> =>
    Object.hasOwn(logLevels, name)
      ? Either.right(name as LogLevelName)
      : Either.left(`must be one of ${Object.keys(logLevels).join(", ")}, not ${Errors.echo(name)}`))

  if (check.issues.length > 0) {
    return Either.left(
      new Errors.InvalidInput({
        message: `Invalid Herald options: ${check.issues.map((issue) => issue.message).join("; ")}`,
        issues: check.issues
      })
    )
  }
  return Either.right({
    settings,
    redis: redisSettings,
    database: databaseSettings,
    deliver,
    profile,
    logLevel: logLevels[logLevel]
  })
}

/** The issues collected, as one `InvalidInput` saying what `what` refused; or the value. */
const outcome = <A>(check: Checker, what: string, value: A): Either.Either<A, Errors.InvalidInput> =>
  check.issues.length === 0 ? Either.right(value) : Either.left(
    new Errors.InvalidInput({
      message: `${what}: ${check.issues.map((issue) => issue.message).join("; ")}`,
      issues: check.issues
    })
  )

/** How `nodeHandler` serves Herald's HTTP API: plain values, checked like `createHerald`'s. */
export interface NodeHandlerOptions {
  /** The path it is served under, such as `/webhooks-api`; the root when absent. */
  readonly prefix?: string | undefined
  /** Which requests are logged: `errors` (the default), `all` or `off`. */
  readonly requestLog?: RequestLog.RequestLog | undefined
  /**
   * Requests per window and route, as `HERALD_RATE_LIMITS` takes them:
   * `"default=600,POST /v1/events=6000"`, or `"off"`. Each route's declared
   * limit when absent (README, "Rate limits").
   */
  readonly rateLimits?: string | undefined
  /** The rate limits' sliding window, from 1 s to 1 h. Default 1 minute. */
  readonly rateLimitWindowMs?: number | undefined
  /** The largest request body, in bytes (413 beyond). Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined
  /** The URL clients reach the API at, prefix included (`https://example.com/webhooks-api`): portal links start with it, as `HERALD_PUBLIC_URL`. */
  readonly publicUrl?: string | undefined
  /** Who may frame the portal: CSP `frame-ancestors` sources, as `HERALD_PORTAL_FRAME_ANCESTORS`. `'self'` when absent. */
  readonly portalFrameAncestors?: string | undefined
  /** The portal's brand colour (`#0a7cff`) and logo (an https URL), as `HERALD_PORTAL_THEME`. */
  readonly portalTheme?: PortalSettings.Theme | undefined
}

/** `NodeHandlerOptions` checked: the prefix as given (`NodeHandler` normalizes it), the log, the API's protection. */
export interface ResolvedNodeHandler {
  readonly prefix: string | undefined
  readonly requestLog: RequestLog.RequestLog
  readonly protection: Protection.Settings
  readonly portal: PortalSettings.PortalSettingsShape
}

const requestLogs: ReadonlyArray<RequestLog.RequestLog> = ["errors", "all", "off"]

/** Checks `nodeHandler`'s options, refusing each bad one by name (with the same parsers and ranges as the variables). */
export const resolveNodeHandler = (input: NodeHandlerOptions = {}): Either.Either<ResolvedNodeHandler, Errors.InvalidInput> => {
  const check = checker()
  const options = check.object([], input, [
    "prefix",
    "requestLog",
    "rateLimits",
    "rateLimitWindowMs",
    "maxBodyBytes",
    "publicUrl",
    "portalFrameAncestors",
    "portalTheme"
  ])
  const prefix = options["prefix"] === undefined ? undefined : check.text(["prefix"], options["prefix"], "")
  const requestLog = check.parsed(["requestLog"], options["requestLog"], RequestLog.DEFAULT, (name) =>
    (requestLogs as ReadonlyArray<string>).includes(name)
      ? Either.right(name as RequestLog.RequestLog)
      : Either.left(`must be one of ${requestLogs.join(", ")}, not ${Errors.echo(name)}`))
  const windowMs = check.millis(["rateLimitWindowMs"], options["rateLimitWindowMs"], RateLimiting.DEFAULT_WINDOW_MS, bounds.rateLimitWindow)
  const routes = Protection.routesOf(HeraldApi)
  const rateLimits = check.parsed(["rateLimits"], options["rateLimits"] ?? "", RateLimiting.make(routes, { windowMs }), (text) =>
    RateLimiting.parse(text, windowMs, routes))
  const maxBodyBytes = check.count(["maxBodyBytes"], options["maxBodyBytes"], RequestLimits.defaults.maxBodyBytes, bounds.bytes)
  const publicUrl = options["publicUrl"] === undefined
    ? undefined
    : check.parsed(["publicUrl"], options["publicUrl"], "", PortalSettings.parsePublicUrl)
  const frameAncestors = check.parsed(
    ["portalFrameAncestors"],
    options["portalFrameAncestors"],
    PortalSettings.defaults.frameAncestors,
    PortalSettings.parseFrameAncestors
  )
  const themeValue = options["portalTheme"]
  const theme = themeValue === undefined
    ? PortalSettings.defaults.theme
    : check.parsed(["portalTheme"], JSON.stringify(themeValue), PortalSettings.defaults.theme, PortalSettings.parseTheme)
  return outcome(check, "Invalid nodeHandler options", {
    prefix,
    requestLog,
    protection: { rateLimits, requestLimits: { maxBodyBytes } },
    portal: { publicUrl, frameAncestors, theme }
  })
}

/** What `apiKeys.issue` takes besides the teamspace. */
export interface IssueKeyOptions {
  /** What the key may do: some of `webhooks:write`, `events:publish`, `read`. Every scope when absent. */
  readonly scopes?: ReadonlyArray<ApiKeyStore.Scope> | undefined
  /** A name to tell keys apart in `apiKeys.list`, up to 200 characters. */
  readonly label?: string | undefined
}

const isScope = Schema.is(ApiKeyStore.Scope)
const MAX_LABEL_LENGTH = 200

/** Checks `apiKeys.issue`'s options: known scopes, at least one; a label of plain length. */
export const resolveIssueKey = (
  input: IssueKeyOptions = {}
): Either.Either<{ readonly scopes?: ReadonlyArray<ApiKeyStore.Scope>; readonly label?: string }, Errors.InvalidInput> => {
  const check = checker()
  const options = check.object([], input, ["scopes", "label"])
  const scopes = options["scopes"]
  const known = ApiKeys.allScopes.join(", ")
  if (scopes !== undefined) {
    if (!Array.isArray(scopes) || scopes.length === 0) check.refuse(["scopes"], `must be a non-empty list of ${known}`)
    else {
      scopes.forEach((scope: unknown, index) => {
        if (!isScope(scope)) check.refuse(["scopes", index], `must be one of ${known}, not ${Errors.echo(String(scope))}`)
      })
    }
  }
  const label = options["label"] === undefined ? undefined : check.text(["label"], options["label"], "")
  if (label !== undefined && label.length > MAX_LABEL_LENGTH) check.refuse(["label"], `must be at most ${MAX_LABEL_LENGTH} characters`)
  return outcome(check, "Invalid API key options", {
    ...(scopes === undefined ? {} : { scopes: scopes as ReadonlyArray<ApiKeyStore.Scope> }),
    ...(label === undefined ? {} : { label })
  })
}
