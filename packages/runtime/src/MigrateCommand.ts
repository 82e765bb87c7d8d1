/**
 * The migrate command (`npm run migrate -w @herald/api`, or
 * `node apps/api/dist/migrate.js`): applies the migrations the database of
 * `DATABASE_URL` lacks, and says which. For operators who apply the schema with
 * a role of their own before a deploy (the API then starts with
 * `HERALD_DATABASE_MIGRATE=false`); an API with the default migrates at start
 * anyway. Safe beside starting processes: migrations run under an advisory lock.
 */
import * as Postgres from "@herald/postgres"
import { Console, Effect } from "effect"
import * as Environment from "./Environment.js"

/** Applies what the database lacks and reports it on stderr; sets the process's exit status. */
export const command: Effect.Effect<void> = Effect.gen(function*() {
  const url = yield* Environment.migrateCommand
  // Without the statement timeout: a migration may rightly take longer than any request's statement.
  const applied = yield* Postgres.PostgresClient.withoutStatementTimeout(Postgres.Migrations.run).pipe(
    Effect.provide(Postgres.PostgresClient.layer({ url, maxConnections: 1, applicationName: "herald-migrate" }))
  )
  yield* Console.error(
    applied.length === 0
      ? "migrate: the schema is up to date"
      : `migrate: applied ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`
  )
  return 0
}).pipe(
  Effect.catchAll((error) => Console.error(`migrate: ${Environment.commandFailure(error)}`).pipe(Effect.as(1))),
  Effect.flatMap((status) => Effect.sync(() => void (process.exitCode = status)))
)
