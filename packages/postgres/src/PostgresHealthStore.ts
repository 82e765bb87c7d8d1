/**
 * HealthStore on PostgreSQL (`Migrations`' `4_attempts`): a row per failing webhook in
 * `herald_webhook_health`. `recordFailure` is one upsert (`INSERT ... ON CONFLICT DO UPDATE ...
 * RETURNING`): the row's lock makes concurrent failures count exactly. `reset` deletes the row, as
 * does `PostgresAttemptLog` with `endsFailureStreaks` when it logs a success.
 *
 * A streak expires once its last failure is older than the retention (30 days by default), as on
 * Redis, where the key expires: a failure after that starts a new streak, and `Partitions.dropExpired`
 * deletes the row (a deleted webhook's among them: nothing else would). The last failure is dated by
 * the effect's clock, not by the failure's `at`, which the caller chooses. Database failures are
 * defects: the port's operations never fail.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer } from "effect"
import { HealthStore, type Ids } from "@herald/core"
import * as Timestamps from "./internal/Timestamps.js"
import * as Retention from "./Retention.js"

/** How long a failure streak is kept after its last failure (see `Retention`). */
export type Options = Retention.Options

/**
 * Builds the PostgreSQL `HealthStore` with these retention options over `@effect/sql`'s
 * `SqlClient`; for composing it yourself. Most callers want `layer`. Needs the schema
 * (`Migrations.run`).
 */
export const make = (options?: Options): Effect.Effect<HealthStore.HealthStoreShape, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const retentionMs = Retention.millis(options)
    const at = (time: number) => Timestamps.at(sql, time)

    const recordFailure = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId, failedAt: number) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const rows = yield* sql<{ readonly failing_since: number; readonly failures: number }>`
          INSERT INTO herald_webhook_health AS h (teamspace, webhook_id, failing_since, failures, last_failure_at)
          VALUES (${teamspace}, ${id}, ${at(failedAt)}, 1, ${at(now)})
          ON CONFLICT (teamspace, webhook_id) DO UPDATE SET
            failing_since = CASE WHEN h.last_failure_at < ${at(now - retentionMs)}
              THEN excluded.failing_since ELSE h.failing_since END,
            failures = CASE WHEN h.last_failure_at < ${at(now - retentionMs)} THEN 1 ELSE h.failures + 1 END,
            last_failure_at = excluded.last_failure_at
          RETURNING ${Timestamps.millis(sql, "h.failing_since")} AS failing_since, h.failures`.pipe(Effect.orDie)
        const row = rows[0]
        if (row === undefined) return yield* Effect.dieMessage(`webhook ${id}: the failure's upsert returned no row`)
        return { failingSince: row.failing_since, failures: row.failures }
      })

    const reset = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) =>
      sql`DELETE FROM herald_webhook_health WHERE teamspace = ${teamspace} AND webhook_id = ${id}`.pipe(
        Effect.orDie,
        Effect.asVoid
      )

    return { recordFailure, reset }
  })

/**
 * Provides `HealthStore` on PostgreSQL with these retention options; needs a `SqlClient`
 * (`PostgresClient.layer`) and the schema (`Migrations`). Database failures are defects, so the
 * port's operations never fail.
 */
export const layer = (options?: Options): Layer.Layer<HealthStore.HealthStore, never, SqlClient.SqlClient> =>
  Layer.effect(HealthStore.HealthStore, make(options))
