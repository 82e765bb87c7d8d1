// Migrations on a fresh database: many processes starting at once, and starting again.
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { Migrations, PostgresClient } from "@herald/postgres"
import { PostgresDatabase } from "@herald/testkit"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

describe.skipIf(!available)(`Migrations ${skipReason}`, () => {
  const { client, current } = useDatabase({ migrate: false })
  const expected = Object.keys(Migrations.migrations).map((key) => Number(key.split("_")[0]))

  it.live("pending lists every migration of an empty database; awaitApplied refuses it, naming them", () =>
    Effect.gen(function*() {
      const fresh = yield* Effect.promise(() => PostgresDatabase.createOwned())
      const check = Effect.all([
        Migrations.pending,
        Effect.flip(Migrations.awaitApplied({ timeoutMs: 0 }))
      ]).pipe(Effect.provide(PostgresClient.layer({ url: fresh.url, maxConnections: 1 })))
      const [pending, refused] = yield* check.pipe(Effect.ensuring(Effect.promise(() => fresh.drop())))
      expect(pending).toEqual(Object.keys(Migrations.migrations))
      expect(refused).toBeInstanceOf(Migrations.SchemaBehind)
      expect(refused.message).toContain(Object.keys(Migrations.migrations)[0])
    }))

  it.live("run from eight clients at once applies each migration exactly once; a later run applies nothing", () =>
    Effect.gen(function*() {
      // Each fiber has its own pool, as separate processes would.
      const runs = yield* Effect.all(
        Array.from({ length: 8 }, () =>
          Effect.provide(Migrations.run, PostgresClient.layer({ url: current().url, maxConnections: 1 }))),
        { concurrency: "unbounded" }
      )
      const applied = runs.flatMap((run) => run.map(([id]) => id))
      expect(applied.sort((a, b) => a - b)).toEqual(expected)
      // One run did all the work; the others waited for the lock and found nothing to do.
      expect(runs.filter((run) => run.length > 0)).toHaveLength(1)

      const sql = yield* SqlClient.SqlClient
      const recorded = yield* sql<{ readonly migration_id: number }>`
        SELECT migration_id FROM ${sql(Migrations.TABLE)} ORDER BY migration_id`
      expect(recorded.map((row) => row.migration_id)).toEqual(expected)
      const tables = yield* sql<{ readonly name: string }>`
        SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_name LIKE 'herald_%' ORDER BY table_name`
      expect(tables.map((row) => row.name)).toEqual([
        "herald_api_keys",
        "herald_attempts",
        "herald_event_keys",
        "herald_event_types",
        "herald_events",
        "herald_fanouts",
        "herald_migrations",
        "herald_owed_deliveries",
        "herald_sequence_entries",
        "herald_state",
        "herald_webhook_health",
        "herald_webhook_subscriptions",
        "herald_webhooks"
      ])

      // Migration 8 added a column, not a table: when a portal session's key expires.
      const columns = yield* sql<{ readonly name: string; readonly type: string }>`
        SELECT column_name AS name, data_type AS type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'herald_api_keys' ORDER BY ordinal_position`
      expect(columns.map((column) => [column.name, column.type])).toEqual([
        ["hash", "text"],
        ["id", "text"],
        ["teamspace", "text"],
        ["created_at", "bigint"],
        ["record", "text"],
        ["expires_at", "bigint"]
      ])

      // The work tables churn like queues: vacuumed after 1 % of their rows are dead, not 20 %.
      const tuned = yield* sql<{ readonly name: string }>`
        SELECT relname AS name FROM pg_class
        WHERE relname LIKE 'herald_%' AND 'autovacuum_vacuum_scale_factor=0.01' = ANY (reloptions)
        ORDER BY relname`
      expect(tuned.map((row) => row.name)).toEqual([
        "herald_fanouts",
        "herald_owed_deliveries",
        "herald_sequence_entries",
        "herald_webhook_health"
      ])

      expect(yield* Migrations.run).toEqual([])
      expect(yield* Migrations.pending).toEqual([])
      yield* Migrations.awaitApplied({ timeoutMs: 0 })
    }).pipe(Effect.provide(client(1))))
})
