/**
 * The connection pool every PostgreSQL store shares: `@effect/sql-pg`'s
 * `PgClient`, built from settings given as values (the runtime reads the
 * environment; this package never does), offered as `@effect/sql`'s
 * `SqlClient`. Only that tag is provided, not `PgClient`: `@effect/sql-pg`'s
 * declarations name the `pg` driver's types, which it does not ship, so a
 * consumer compiling with `skipLibCheck` off would need `@types/pg` to import
 * this package.
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { type Duration, Layer, Redacted } from "effect"

/** Where the database is and how many connections to keep. */
export interface Options {
  /** A `postgres://user:password@host:port/database` URL; Redacted keeps a password out of logs. */
  readonly url: string | Redacted.Redacted<string>
  /** The most connections the pool opens (the `pg` driver's default when absent: 10). */
  readonly maxConnections?: number | undefined
  /** How long a connection attempt may take before the pool gives up on it. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** What `pg_stat_activity` shows for these connections (default `herald`). */
  readonly applicationName?: string | undefined
}

/**
 * Provides `@effect/sql`'s `SqlClient` (what the stores and `Migrations` need) over one pool;
 * fails with a `SqlError` when the database cannot be reached at build. The pool is closed when
 * the layer's scope ends.
 */
export const layer = (options: Options): Layer.Layer<SqlClient.SqlClient, SqlError.SqlError> =>
  Layer.effect(SqlClient.SqlClient, SqlClient.SqlClient).pipe(
    Layer.provide(PgClient.layer({
      url: Redacted.isRedacted(options.url) ? options.url : Redacted.make(options.url),
      maxConnections: options.maxConnections,
      connectTimeout: options.connectTimeout,
      applicationName: options.applicationName ?? "herald"
    }))
  )
