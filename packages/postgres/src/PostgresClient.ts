/**
 * The connection pool every PostgreSQL store shares: `@effect/sql-pg`'s
 * `PgClient`, built from settings given as values (the runtime reads the
 * environment; this package never does).
 */
import { PgClient } from "@effect/sql-pg"
import type { SqlClient, SqlError } from "@effect/sql"
import { type Duration, type Layer, Redacted } from "effect"

/** Where the database is and how many connections to keep. */
export interface Options {
  /** A `postgres://user:password@host:port/database` URL; Redacted keeps a password out of logs. */
  readonly url: string | Redacted.Redacted<string>
  /** The most connections the pool opens (`@effect/sql-pg`'s default when absent: 10). */
  readonly maxConnections?: number | undefined
  /** How long a connection attempt may take before the pool gives up on it. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** What `pg_stat_activity` shows for these connections (default `herald`). */
  readonly applicationName?: string | undefined
}

/**
 * Provides `PgClient` and `@effect/sql`'s `SqlClient` (what the stores and `Migrations` need) over
 * one pool; fails with a `SqlError` when the database cannot be reached at build. The pool is
 * closed when the layer's scope ends.
 */
export const layer = (options: Options): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError.SqlError> =>
  PgClient.layer({
    url: Redacted.isRedacted(options.url) ? options.url : Redacted.make(options.url),
    maxConnections: options.maxConnections,
    connectTimeout: options.connectTimeout,
    applicationName: options.applicationName ?? "herald"
  })
