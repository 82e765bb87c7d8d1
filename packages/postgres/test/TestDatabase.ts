// One private database per test file (see @herald/testkit PostgresDatabase): created and migrated
// in beforeAll, dropped in afterAll. Layers read it lazily, because the suites build their layer
// per test, after beforeAll has run.
import { afterAll, beforeAll } from "@effect/vitest"
import type { SqlClient, SqlError } from "@effect/sql"
import { Effect, Layer } from "effect"
import { PostgresDatabase } from "@herald/testkit"
import { Migrations, PostgresClient } from "@herald/postgres"

/** Whether the test server answers; computed once per file. */
export const available = PostgresDatabase.isAvailable()

export const skipReason = PostgresDatabase.skipReason

/** Registers the database hooks (`migrate`: apply the schema first) and returns a client layer on it. */
export const useDatabase = (options: { readonly migrate: boolean } = { migrate: true }) => {
  let database: PostgresDatabase.OwnedDatabase | undefined
  beforeAll(async () => {
    database = await PostgresDatabase.createOwned()
    if (options.migrate) {
      await Effect.runPromise(Effect.provide(Migrations.run, PostgresClient.layer({ url: database.url, maxConnections: 1 })))
    }
  })
  afterAll(async () => {
    await database?.drop()
  })
  const current = () => {
    if (database === undefined) throw new Error("the test database is not created")
    return database
  }
  /** A client (its own small pool) on the file's database. */
  const client = (maxConnections = 4): Layer.Layer<SqlClient.SqlClient, SqlError.SqlError> =>
    Layer.unwrapEffect(Effect.sync(() => PostgresClient.layer({ url: current().url, maxConnections })))
  return { current, client }
}
