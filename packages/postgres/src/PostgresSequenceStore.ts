/**
 * SequenceStore on PostgreSQL (`Migrations`' `herald_sequence_entries`): a row per waiting event of
 * an ordered webhook, in `seq` order (an identity: an event entered later sorts after those already
 * waiting), `UNIQUE (webhook_id, event_id)` so an event waits once and keeps its place when it enters
 * again. The head is the webhook's lowest `seq`; the transaction that makes an entry the head sets
 * its `head_since`, which the reconciler reads to find a head whose job was lost
 * (docs/postgres.md, section 4): after a Redis loss, the sequence, and so the order, is still here.
 *
 * Each operation is one transaction holding `pg_advisory_xact_lock` on the webhook, its first
 * statement: the operations of one webhook run one after the other, and each statement after the
 * lock sees what the previous holder committed (under READ COMMITTED every statement takes a new
 * snapshot). Row locks alone would not do: `enter` reads the head after inserting, and a concurrent
 * `advance` could delete that head in between. Different webhooks never wait on each other (but for
 * a 64-bit hash collision, which only makes two of them take turns).
 *
 * Rows are keyed by webhook id first, as `DeliveryJob.key` is: a webhook id (`wh_` + ULID) implies
 * its teamspace. Every query still names the teamspace, so one teamspace never sees another's.
 * Database failures are defects: the port's operations never fail.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { type Ids, SequenceStore } from "@herald/core"

interface EventRow {
  readonly event_id: string
}

/**
 * Builds the PostgreSQL `SequenceStore` over `@effect/sql`'s `SqlClient`; for composing it yourself.
 * Most callers want `layer`. Needs the schema (`Migrations.run`).
 */
export const make: Effect.Effect<SequenceStore.SequenceStoreShape, never, SqlClient.SqlClient> = Effect.gen(
  function*() {
    const sql = yield* SqlClient.SqlClient

    /** A transaction holding the webhook's lock from its first statement to its commit. */
    const locked = <A>(webhookId: Ids.WebhookId, body: Effect.Effect<A, unknown>) =>
      sql.withTransaction(Effect.zipRight(
        sql`SELECT pg_advisory_xact_lock(hashtextextended(${`herald:sequence:${webhookId}`}, 0))`,
        body
      )).pipe(Effect.orDie)

    /**
     * The head, marked as such if it was not yet (the entry it became head by this transaction's
     * insert or delete). Only a head's `head_since` is ever set, and only once.
     */
    const head = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId) =>
      sql<EventRow>`WITH head AS (
          SELECT seq, event_id, head_since FROM herald_sequence_entries
          WHERE webhook_id = ${webhookId} AND teamspace = ${teamspace}
          ORDER BY seq LIMIT 1),
        marked AS (
          UPDATE herald_sequence_entries e SET head_since = now()
          FROM head WHERE e.webhook_id = ${webhookId} AND e.seq = head.seq AND head.head_since IS NULL)
        SELECT event_id FROM head`.pipe(
        Effect.map((rows) => Option.fromNullable(rows[0]?.event_id as Ids.EventId | undefined))
      )

    const enter = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId, eventIds: ReadonlyArray<Ids.EventId>) => {
      // First occurrences only: an event given twice in one call enters once, at its first place.
      const unique = [...new Set(eventIds)]
      const insert = sql`INSERT INTO herald_sequence_entries (webhook_id, teamspace, event_id)
        SELECT ${webhookId}, ${teamspace}, event_id
        FROM unnest(${unique}::text[]) WITH ORDINALITY AS given (event_id, n)
        ORDER BY n
        ON CONFLICT (webhook_id, event_id) DO NOTHING`
      const entered = unique.length === 0 ? Effect.void : Effect.asVoid(insert)
      return locked(webhookId, Effect.zipRight(entered, head(teamspace, webhookId)))
    }

    // The entry with a `head_since` is the head: every transaction ends by marking its head, and an
    // entry entered later never sorts before it. So this deletes the event only if it is the head,
    // found by its unique key, with no scan for the lowest `seq`.
    const advance = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId, eventId: Ids.EventId) =>
      locked(
        webhookId,
        Effect.zipRight(
          sql`DELETE FROM herald_sequence_entries
            WHERE webhook_id = ${webhookId} AND teamspace = ${teamspace} AND event_id = ${eventId}
              AND head_since IS NOT NULL`,
          head(teamspace, webhookId)
        )
      )

    const drain = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId) =>
      locked(
        webhookId,
        sql<EventRow>`WITH drained AS (
            DELETE FROM herald_sequence_entries WHERE webhook_id = ${webhookId} AND teamspace = ${teamspace}
            RETURNING seq, event_id)
          SELECT event_id FROM drained ORDER BY seq`
      ).pipe(Effect.map((rows) => rows.map((row) => row.event_id as Ids.EventId)))

    return { enter, advance, drain }
  }
)

/**
 * Provides `SequenceStore` on PostgreSQL; needs a `SqlClient` (`PostgresClient.layer`) and the schema
 * (`Migrations`). Database failures are defects, so the port's operations never fail.
 */
export const layer: Layer.Layer<SequenceStore.SequenceStore, never, SqlClient.SqlClient> = Layer.effect(
  SequenceStore.SequenceStore,
  make
)
