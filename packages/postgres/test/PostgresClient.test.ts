// The pool's bounds: a statement past the statement timeout is cancelled by the server, and a query
// that finds every connection taken fails after the connect timeout instead of waiting.
import { describe, expect, it } from "@effect/vitest"
import { SqlClient, SqlError } from "@effect/sql"
import { createHash } from "node:crypto"
import { Context, Deferred, Duration, Effect, Fiber, Layer } from "effect"
import { Migrations, PostgresClient } from "@herald/postgres"
import { MAX_NAMED } from "../src/internal/PreparedStatements.js"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

/** The `code` PostgreSQL gave a failed statement (`57014`: cancelled, here by the statement timeout). */
const codeOf = (error: SqlError.SqlError): unknown =>
  typeof error.cause === "object" && error.cause !== null ? (error.cause as { readonly code?: unknown }).code : undefined

describe("PostgresClient.urlProblem", () => {
  it("accepts postgres:// and postgresql:// URLs and refuses others without repeating them", () => {
    expect(PostgresClient.urlProblem("postgres://herald:secret@db:5432/herald")).toBeUndefined()
    expect(PostgresClient.urlProblem("postgresql://db/herald?sslmode=require")).toBeUndefined()
    for (const url of ["mysql://herald:secret@db/herald", "db:5432/herald", "", "herald:secret"]) {
      const problem = PostgresClient.urlProblem(url)
      expect(problem).toContain("postgres://")
      expect(problem).not.toContain("secret")
    }
  })
})

describe.skipIf(!available)(`PostgresClient ${skipReason}`, () => {
  const { current } = useDatabase({ migrate: false })
  const client = (options: Omit<PostgresClient.Options, "url">) =>
    PostgresClient.layer({ url: current().url, ...options })

  it.live("sets the statement timeout on its connections: a longer statement is cancelled by the server", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [setting] = yield* sql<{ readonly statement_timeout: string }>`SHOW statement_timeout`
      expect(setting?.statement_timeout).toBe("200ms")
      const failed = yield* Effect.flip(sql`SELECT pg_sleep(5)`)
      expect(failed).toBeInstanceOf(SqlError.SqlError)
      expect(codeOf(failed)).toBe("57014")
      // The connection is still good: the next statement runs.
      expect(yield* sql<{ readonly one: number }>`SELECT 1 AS one`).toEqual([{ one: 1 }])
    }).pipe(Effect.provide(client({ maxConnections: 1, statementTimeout: Duration.millis(200) }))))

  it.live("sets 30 s by default, and none when told to", () =>
    Effect.gen(function*() {
      const show = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ readonly statement_timeout: string }>`SHOW statement_timeout`)
      const byDefault = yield* show.pipe(Effect.provide(client({ maxConnections: 1 })))
      const none = yield* show.pipe(Effect.provide(client({ maxConnections: 1, statementTimeout: Duration.infinity })))
      const zero = yield* show.pipe(Effect.provide(client({ maxConnections: 1, statementTimeout: 0 })))
      expect([byDefault, none, zero].map(([row]) => row?.statement_timeout)).toEqual(["30s", "0", "0"])
    }))

  it.live("a query that finds every connection taken fails after the connect timeout instead of waiting", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const held = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      // The pool's one connection, held by a transaction until released.
      const holder = yield* Effect.fork(sql.withTransaction(
        sql`SELECT 1`.pipe(Effect.zipRight(Deferred.succeed(held, undefined)), Effect.zipRight(Deferred.await(release)))
      ))
      yield* Deferred.await(held)
      const failed = yield* Effect.flip(sql`SELECT 2`)
      expect(failed).toBeInstanceOf(SqlError.SqlError)
      expect(failed.message).toBe("Failed to acquire connection")
      expect(String((failed.cause as Error).message)).toContain("timeout")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      // Released, the connection serves the next query.
      expect(yield* sql<{ readonly two: number }>`SELECT 2 AS two`).toEqual([{ two: 2 }])
    }).pipe(Effect.provide(client({ maxConnections: 1, connectTimeout: Duration.millis(300) }))))
})

describe.skipIf(!available)(`PostgresClient.withoutStatementTimeout ${skipReason}`, () => {
  const { current } = useDatabase({ migrate: false })

  it.live("lifts the timeout for its effect only, migrations included; the pool's connection keeps its own", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const show = sql<{ readonly statement_timeout: string }>`SHOW statement_timeout`
      const inside = yield* PostgresClient.withoutStatementTimeout(
        Effect.zipLeft(show, sql`SELECT pg_sleep(0.4)`)
      )
      expect(inside[0]?.statement_timeout).toBe("0")
      expect((yield* show)[0]?.statement_timeout).toBe("200ms")
      const applied = yield* PostgresClient.withoutStatementTimeout(Migrations.run)
      expect(applied.map(([id, name]) => `${id}_${name}`)).toEqual(Object.keys(Migrations.migrations))
      expect(yield* Migrations.pending).toEqual([])
    }).pipe(Effect.provide(PostgresClient.layer({ url: current().url, maxConnections: 1, statementTimeout: 200 }))))
})

describe.skipIf(!available)(`PostgresClient prepared statements ${skipReason}`, () => {
  const { current } = useDatabase({ migrate: false })
  const client = (options: Omit<PostgresClient.Options, "url">) =>
    PostgresClient.layer({ url: current().url, maxConnections: 1, ...options })
  /** The statements this connection has prepared, by text. */
  const prepared = Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly statement: string }>`SELECT statement FROM pg_prepared_statements`.pipe(
      Effect.map((rows) => rows.map((row) => row.statement))
    ))

  it.live("names a statement with parameters on its connection, once however often it runs", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      for (const x of [1, 2, 3]) expect(yield* sql<{ readonly x: number }>`SELECT ${x}::int AS x`).toEqual([{ x }])
      const texts = yield* prepared
      expect(texts.filter((text) => text === "SELECT $1::int AS x")).toHaveLength(1)
    }).pipe(Effect.provide(client({}))))

  it.live("a name is a hash of its text, the same in every process: behind a pooler it means one statement", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`SELECT ${5}::int AS five`
      const rows = yield* sql<{ readonly name: string }>`SELECT name FROM pg_prepared_statements WHERE statement = ${"SELECT $1::int AS five"}`
      const expected = `herald_${createHash("sha256").update("SELECT $1::int AS five").digest("hex").slice(0, 32)}`
      expect(rows.map((row) => row.name)).toEqual([expected])
    }).pipe(Effect.provide(client({}))))

  it.live("a statement whose plan a migration made stale (a result column's type changed) is prepared again, not failed", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const other = yield* Layer.build(client({ preparedStatements: false })).pipe(
        Effect.map((context) => Context.get(context, SqlClient.SqlClient))
      )
      yield* other.unsafe("CREATE TABLE stale_probe (id int, x int); INSERT INTO stale_probe VALUES (1, 7)")
      const read = sql<{ readonly id: number; readonly x: unknown }>`SELECT id, x FROM stale_probe WHERE id = ${1}`
      expect(yield* read).toEqual([{ id: 1, x: 7 }])
      yield* other.unsafe("ALTER TABLE stale_probe ALTER COLUMN x TYPE text")
      // Without the recovery, every run on this connection fails with "cached plan must not change result type".
      expect(yield* read).toEqual([{ id: 1, x: "7" }])
      expect(yield* read).toEqual([{ id: 1, x: "7" }])
    }).pipe(Effect.scoped, Effect.provide(client({}))))

  it.live("names none when told not to", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      expect(yield* sql<{ readonly x: number }>`SELECT ${1}::int AS x`).toEqual([{ x: 1 }])
      // The listing itself has no parameters, so it would not be named either way.
      expect(yield* prepared).toEqual([])
    }).pipe(Effect.provide(client({ preparedStatements: false }))))

  it.live("runs a text without parameters as before: several statements in one (as migrations do)", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe("CREATE TABLE prepared_probe (x int); INSERT INTO prepared_probe VALUES (7)")
      expect(yield* sql<{ readonly x: number }>`SELECT x FROM prepared_probe WHERE x = ${7}`).toEqual([{ x: 7 }])
    }).pipe(Effect.provide(client({}))))

  it.live("a statement that fails to parse fails as before, and the connection goes on", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      for (let i = 0; i < 2; i++) {
        const failed = yield* Effect.flip(sql`SELEC ${1}::int AS x`)
        expect(codeOf(failed)).toBe("42601")
      }
      expect(yield* sql<{ readonly x: number }>`SELECT ${4}::int AS x`).toEqual([{ x: 4 }])
    }).pipe(Effect.provide(client({}))))

  it.live(`names at most ${MAX_NAMED} texts: statements whose text varies run unnamed past that`, () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const count = MAX_NAMED + 50
      for (let i = 0; i < count; i++) {
        // The text differs by an alias, as an IN list's length would make it differ.
        expect(yield* sql.unsafe<Record<string, number>>(`SELECT $1::int AS x${i}`, [i])).toEqual([{ [`x${i}`]: i }])
      }
      const texts = yield* prepared
      expect(texts.length).toBeGreaterThan(0)
      expect(texts.length).toBeLessThanOrEqual(MAX_NAMED)
    }).pipe(Effect.provide(client({}))))
})
