/**
 * Starts the real app (HTTP server on a free port, undici deliveries, worker in
 * process) for end-to-end tests, on each backend: the embedded memory default;
 * Redis stores and the BullMQ queue on a private redis-server (or Cluster); or the
 * durable stores on a private PostgreSQL database beside them. With `mount`,
 * the API is served instead by an application's own server under a path prefix
 * (`NodeHandler`), beside the application's `GET /hello`.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { HttpServer as PlatformHttpServer } from "@effect/platform"
import { type ApiKeys, type Herald, type Ids, UrlPolicy } from "@herald/core"
import { PostgresDatabase, RedisCluster, RedisServer } from "@herald/testkit"
import { type Clock, ConfigProvider, Context, Duration, Effect, Exit, Layer, Logger, LogLevel, Redacted, Scope, type Tracer } from "effect"
import type * as RequestTimeouts from "@herald/http/edge/RequestTimeouts"
import { HeraldApi } from "@herald/http/Contract"
import * as Exposition from "@herald/http/metrics/Exposition"
import * as NodeHandler from "@herald/http/NodeHandler"
import type * as PortalSettings from "@herald/http/portal/PortalSettings"
import * as Protection from "@herald/http/edge/Protection"
import { ApiKeySeed, type Embedded, Environment, Ports, Process } from "@herald/runtime"

export type Backend = "memory" | "redis" | "redis-cluster" | "postgres"

const hasRedis = RedisServer.hasRedisServer() || process.env["REDIS_URL"] !== undefined

/**
 * Every backend the end-to-end suites run on: Redis where a server can be had, a Cluster where it
 * can be made, PostgreSQL beside Redis where the test server answers.
 */
export const backends: ReadonlyArray<Backend> = [
  "memory",
  ...(hasRedis ? ["redis" as const] : []),
  ...(RedisCluster.hasRedisCluster() ? ["redis-cluster" as const] : []),
  ...(hasRedis && PostgresDatabase.isAvailable() ? ["postgres" as const] : [])
]

/**
 * What a backend needs, as the ports' configuration: a Redis (or Cluster), and for `postgres` a
 * database of its own too, dropped at close.
 */
const startStores = async (backend: Backend, timeouts: DatabaseTimeouts = {}) => {
  if (backend === "memory") return undefined
  const redis = backend === "redis-cluster" ? await RedisCluster.start() : await RedisServer.start()
  const tag = redis.prefix.replace(/[{}:]/g, "")
  const env = new Map([
    ["REDIS_URL", backend === "redis-cluster" ? (redis as RedisCluster.RedisClusterInstance).urls : redis.url],
    ["HERALD_REDIS_CLUSTER", String(backend === "redis-cluster")],
    ["HERALD_REDIS_PREFIX", `{${tag}}:`],
    ["HERALD_QUEUE_PREFIX", `{${tag}}`]
  ])
  // As a process reads them: through the Environment.
  const settings = Effect.runSync(Environment.redis.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(env))))
  const database = backend === "postgres" ? await PostgresDatabase.createOwned() : undefined
  const ports = database === undefined
    ? Ports.redis(settings)
    : Ports.postgres({ database: { url: Redacted.make(database.url), pool: 4, schema: "apply", ...timeouts }, redis: settings })
  return {
    ports,
    database,
    env: database === undefined ? env : new Map([...env, ["DATABASE_URL", database.url]]),
    redis: "owned" in redis && redis.owned ? redis : undefined,
    close: async () => {
      await redis.close()
      await database?.drop()
    }
  }
}

/** How long the `postgres` backend waits for a connection and lets a statement run; the runtime's defaults when absent. */
export interface DatabaseTimeouts {
  readonly connectTimeoutMs?: number
  readonly statementTimeoutMs?: number
}

export interface RunningApp {
  readonly backend: Backend
  /** The `postgres` backend's database (the test's own), to make it fail. */
  readonly database: PostgresDatabase.OwnedDatabase | undefined
  /**
   * The store variables the app was configured with (`REDIS_URL`, its prefixes, and `DATABASE_URL`
   * on `postgres`), for another process on the same stores (the keys command); empty on `memory`.
   */
  readonly env: ReadonlyMap<string, string>
  /** The `redis` and `postgres` backends' Redis (the test's own), to stop and start it. */
  readonly redis: { readonly stop: () => Promise<void>; readonly restart: () => Promise<void> } | undefined
  /** Where the API is: the server's origin, and the prefix when mounted. */
  readonly baseUrl: string
  /** The server's origin (the application's server, when mounted). */
  readonly origin: string
  /** API key -> teamspace, as configured. */
  readonly keys: Readonly<Record<string, string>>
  readonly close: () => Promise<void>
}

/**
 * The tests' DNS (this sandbox has none): names under `private.test.` resolve
 * to a private address, under `nxdomain.test.` to nothing, all others to a
 * public one; those under `slow.test.` after as many milliseconds as their
 * first label says (`2500.slow.test`), for a handler that takes that long.
 */
const testResolver: UrlPolicy.Resolver = async (host) => {
  if (host.endsWith(".slow.test")) await new Promise((resolve) => setTimeout(resolve, Number(host.split(".")[0])))
  if (host.endsWith(".private.test")) return ["10.0.0.5"]
  if (host.endsWith(".nxdomain.test")) throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" })
  return ["93.184.216.34"]
}

export const KEY_ACME = "hk_test_acme_0123456789abcdef"
export const KEY_GLOBEX = "hk_test_globex_0123456789abcdef"
export const KEY_INITECH = "hk_test_initech_0123456789abcdef"

const servedDefaults = Protection.defaultsFor(HeraldApi)

/**
 * Rate limits no test reaches unless it asks for its own (`protection`), so
 * that every authenticated response still carries the rate limit headers.
 */
export const lenientProtection: Protection.Settings = {
  ...servedDefaults,
  rateLimits: { ...servedDefaults.rateLimits, defaultLimit: 1_000_000, routes: new Map() }
}

/** What the application's server answers itself (its own route, beside the mounted API). */
export const HELLO = "hello from the application"

/** The port the API is served on. */
class ServedPort extends Context.Tag("test/ServedPort")<ServedPort, number>() {}

/** Every role in one process, the API on Herald's own server. */
const ownServer = <E>(options: Process.Options<E>) =>
  Layer.effect(
    ServedPort,
    Effect.map(PlatformHttpServer.HttpServer, ({ address }) => {
      if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
      return address.port
    })
  ).pipe(Layer.provide(Process.all(options)))

/**
 * The same, the API served by an application's own Node server under `prefix`:
 * its `GET /hello`, and every other request handed to Herald's handler (those
 * outside the prefix are its 404s).
 */
const applicationServer = <E>(prefix: string, options: Process.Options<E>) =>
  Layer.scoped(
    ServedPort,
    Effect.gen(function*() {
      const herald = yield* NodeHandler.make({ prefix })
      const server = createServer((request, response) => {
        if (request.method === "GET" && request.url === "/hello") response.writeHead(200).end(HELLO)
        else herald(request, response)
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      return (server.address() as AddressInfo).port
    })
  ).pipe(
    Layer.provide(
      Layer.merge(Protection.layer(options.protection ?? lenientProtection), ApiKeySeed.layer(options.apiKeys)).pipe(
        Layer.provideMerge(Process.workerOnly(options))
      )
    )
  )

export const start = async (
  options: Partial<Embedded.Options> & {
    readonly backend?: Backend
    /** The app's clock (rate limit windows, timestamps); the real one by default. */
    readonly clock?: Clock.Clock
    /** A tracer installed around the app; none by default. */
    readonly tracer?: Tracer.Tracer
    /** A layer installing a tracer around the app (OpenTelemetry's, say); none by default. */
    readonly tracing?: Layer.Layer<never>
    /** The bearer token `/metrics` requires; none by default. */
    readonly metricsToken?: string
    /** Every log line of the app, from every level, goes to this logger instead of the console. */
    readonly logger?: Logger.Logger<unknown, unknown>
    /** How long clients have to send requests; the defaults by default (not with `mount`: the application's server's). */
    readonly timeouts?: RequestTimeouts.Timeouts
    /** Serve the API from an application's server under this path prefix (`/webhooks-api`). */
    readonly mount?: string
    /** The `postgres` backend's timeouts. */
    readonly databaseTimeouts?: DatabaseTimeouts
    /** How the portal page is linked, framed and branded; `PortalSettings.defaults` by default (not with `mount`). */
    readonly portal?: PortalSettings.PortalSettingsShape
  } = {}
): Promise<RunningApp> => {
  const backend = options.backend ?? "memory"
  const keys = { [KEY_ACME]: "acme", [KEY_GLOBEX]: "globex", [KEY_INITECH]: "initech" }
  const settings: Herald.Settings = {
    retrySchedule: options.retrySchedule ?? [0, 100, 100],
    allowPrivateUrls: options.allowPrivateUrls ?? true,
    delivery: options.delivery ?? { timeoutMs: 2_000, concurrency: 10 },
    ...(options.eventTypes === undefined ? {} : { eventTypes: options.eventTypes }),
    ...(options.eventLimits === undefined ? {} : { eventLimits: options.eventLimits })
  }
  const stores = await startStores(backend, options.databaseTimeouts)
  const ports: Layer.Layer<Herald.Ports, unknown, UrlPolicy.UrlPolicy> = stores?.ports ?? Ports.memory
  const processOptions: Process.Options<unknown> = {
    listen: { port: 0, host: "127.0.0.1", timeouts: options.timeouts, portal: options.portal },
    apiKeys: [
      ...Object.entries(keys).map(([key, teamspace]): ApiKeys.SeedKey => [Redacted.make(key), teamspace as Ids.TeamspaceId]),
      ...(options.apiKeys ?? [])
    ],
    settings,
    ports,
    protection: options.protection ?? lenientProtection,
    ...(options.metricsToken === undefined ? {} : { metricsToken: Redacted.make(options.metricsToken) })
  }
  const served = options.mount === undefined
    ? ownServer(processOptions)
    : applicationServer(options.mount, processOptions)
  const layer = served.pipe(
    Layer.provide(Layer.succeed(UrlPolicy.HostResolver, testResolver)),
    Layer.provide(options.clock === undefined ? Layer.empty : Layer.setClock(options.clock)),
    Layer.provide(options.tracer === undefined ? Layer.empty : Layer.setTracer(options.tracer)),
    Layer.provide(options.tracing ?? Layer.empty),
    // Every scrape rendered anew: the tests read counters right after moving them.
    Layer.provide(Layer.succeed(Exposition.CacheTtl, Duration.zero)),
    Layer.provide(
      options.logger === undefined
        ? Layer.empty
        : Layer.merge(Logger.replace(Logger.defaultLogger, options.logger), Logger.minimumLogLevel(LogLevel.All))
    )
  )
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const origin = `http://127.0.0.1:${Context.get(context, ServedPort)}`
  return {
    backend,
    database: stores?.database,
    env: stores?.env ?? new Map(),
    redis: stores?.redis,
    baseUrl: `${origin}${options.mount ?? ""}`,
    origin,
    keys,
    close: async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await stores?.close()
    }
  }
}
