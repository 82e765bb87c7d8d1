/**
 * The connection pool every PostgreSQL store shares: `@effect/sql-pg`'s
 * `PgClient`, built from settings given as values (the runtime reads the
 * environment; this package never does), offered as `@effect/sql`'s
 * `SqlClient`. Only that tag is provided, not `PgClient`: `@effect/sql-pg`'s
 * declarations name the `pg` driver's types, which it does not ship, so a
 * consumer compiling with `skipLibCheck` off would need `@types/pg` to import
 * this package.
 *
 * A database that stops answering must not hold a request forever: the pool
 * gives up on a connection it cannot open, or cannot get from the pool, after
 * `connectTimeout`, and the server cancels a statement running longer than
 * `statementTimeout` (both bounded by default). A network that drops packets
 * without closing the connection mid-query is not covered by either: the
 * server cannot tell the client, and the operating system's TCP keepalive is
 * what ends such a connection.
 */
import { SqlClient, SqlError } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Duration, Effect, Layer, Redacted } from "effect"
import type { Readiness } from "@herald/core"
import Pg from "pg"
import { CountingClient } from "./internal/CountingClient.js"
import { PreparingClient } from "./internal/PreparedStatements.js"

/** What `Options` falls back to. */
export const defaults = {
  /** How long opening a connection, or waiting for a free one of the pool, may take. */
  connectTimeoutMs: 5_000,
  /** How long a statement may run before the server cancels it. */
  statementTimeoutMs: 30_000
} as const

/** Where the database is, how many connections to keep, and how long to wait for it. */
export interface Options {
  /** A `postgres://user:password@host:port/database` URL; Redacted keeps a password out of logs. */
  readonly url: string | Redacted.Redacted<string>
  /** The most connections the pool opens (the `pg` driver's default when absent: 10). */
  readonly maxConnections?: number | undefined
  /**
   * How long a query may wait for a connection: to open one, or for one of a full pool to be
   * released. Past it the query fails (`SqlError`) instead of waiting. Default 5 s.
   */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /**
   * How long a statement may run before the server cancels it (PostgreSQL's `statement_timeout`,
   * set on every connection the pool opens), so a statement stuck behind a lock or on an overloaded
   * server fails instead of holding its caller. Default 30 s; zero or `Duration.infinity` sets none
   * (the server's or the role's own setting then applies, e.g. behind a PgBouncer that refuses the
   * `statement_timeout` startup parameter).
   */
  readonly statementTimeout?: Duration.DurationInput | undefined
  /** What `pg_stat_activity` shows for these connections (default `herald`). */
  readonly applicationName?: string | undefined
  /**
   * Whether statements run as named prepared statements, parsed and planned once per connection
   * (default true: it halves PostgreSQL's CPU per event). False for a connection pooler that
   * cannot carry them, such as PgBouncer in transaction mode before 1.21, or without
   * `max_prepared_statements`.
   */
  readonly preparedStatements?: boolean | undefined
}

/** The schemes a database URL may have. */
const schemes = ["postgres:", "postgresql:"]

/**
 * Why `url` cannot name a PostgreSQL database, or `undefined` when it can (`postgres://` or
 * `postgresql://`). The reason never repeats the URL, which may hold a password.
 */
export const urlProblem = (url: string): string | undefined =>
  URL.canParse(url) && schemes.includes(new URL(url).protocol)
    ? undefined
    : "must be a postgres:// or postgresql:// URL, e.g. postgres://herald@127.0.0.1:5432/herald"

/**
 * `url` with `statement_timeout` among its parameters, which the `pg` driver sends when it opens a
 * connection: `@effect/sql-pg` takes no per-connection setting, and the URL is what it hands to
 * every connection of the pool. A timeout of none leaves the URL as given.
 */
const withStatementTimeout = (url: string, timeout: Duration.Duration): string => {
  // A URL the driver will refuse is left for it to refuse, with its own error, at build.
  if (!Duration.isFinite(timeout) || Duration.toMillis(timeout) <= 0 || !URL.canParse(url)) return url
  const parsed = new URL(url)
  parsed.searchParams.set("statement_timeout", String(Math.max(1, Math.round(Duration.toMillis(timeout)))))
  return parsed.toString()
}

/**
 * The `pg` pool of `options`, once a first connection answered within the connect timeout (as
 * `@effect/sql-pg`'s own pool does), closed with the scope. Built here rather than by `PgClient` so
 * that its connections can prepare their statements (`PreparingClient`).
 */
const pool = (options: Options, url: string, statementTimeout: Duration.Duration) => {
  const connectTimeout = Duration.decode(options.connectTimeout ?? defaults.connectTimeoutMs)
  return Effect.acquireRelease(
    Effect.suspend(() => {
      const pool = new Pg.Pool({
        connectionString: withStatementTimeout(url, statementTimeout),
        max: options.maxConnections,
        connectionTimeoutMillis: Duration.toMillis(connectTimeout),
        application_name: options.applicationName ?? "herald",
        Client: options.preparedStatements === false ? CountingClient : PreparingClient
      })
      // A connection's error is the failure of the query using it; idle ones are replaced.
      pool.on("error", () => {})
      return Effect.tryPromise({
        try: () => pool.query("SELECT 1"),
        catch: (cause) => new SqlError.SqlError({ cause, message: "PgClient: Failed to connect" })
      }).pipe(
        Effect.timeoutFail({
          duration: connectTimeout,
          onTimeout: () =>
            new SqlError.SqlError({ cause: new Error("Connection timed out"), message: "PgClient: Connection timed out" })
        }),
        Effect.tapError(() => Effect.promise(() => pool.end())),
        Effect.as(pool)
      )
    }),
    (pool) => Effect.promise(() => pool.end()).pipe(Effect.interruptible, Effect.timeoutOption(1_000))
  )
}

/**
 * Provides `@effect/sql`'s `SqlClient` (what the stores and `Migrations` need) over one pool;
 * fails with a `SqlError` when the database cannot be reached at build. The pool is closed when
 * the layer's scope ends.
 */
export const layer = (options: Options): Layer.Layer<SqlClient.SqlClient, SqlError.SqlError> => {
  const url = Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url
  const statementTimeout = Duration.decode(options.statementTimeout ?? defaults.statementTimeoutMs)
  return Layer.effect(SqlClient.SqlClient, SqlClient.SqlClient).pipe(
    Layer.provide(PgClient.layerFromPool({ acquire: pool(options, url, statementTimeout) }))
  )
}

/** The readiness probe of the database (`Readiness.Probe`, named `postgres`): a `SELECT 1`. */
export const probe: Effect.Effect<Readiness.Probe, never, SqlClient.SqlClient> = Effect.map(
  SqlClient.SqlClient,
  (sql) => ({ name: "postgres", check: sql`SELECT 1` })
)

/**
 * Runs `effect` in a transaction without the statement timeout (`SET LOCAL`, so the connection goes
 * back to the pool with its own): for work that may rightly outlast any request's statement, such as
 * `Migrations.run` (an index built on a large table, or the wait for another process's migrations
 * behind the advisory lock). Transactions `effect` opens are savepoints of this one.
 */
export const withoutStatementTimeout = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | SqlError.SqlError, R | SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(Effect.zipRight(sql`SET LOCAL statement_timeout = 0`, effect)))
