/**
 * The two writes of a delivery's row in `herald_owed_deliveries` that follow its attempts, as
 * common table expressions: `PostgresDeliveryLedger` runs each as its own statement (`settle`,
 * `scheduled`), and `PostgresAttemptLog` with `keepsLedger` runs it in the attempt's insert, so an
 * attempt and its outcome are one statement and one commit.
 *
 * Named CTEs, not whole statements: PostgreSQL refuses a data-modifying WITH nested inside another
 * statement's WITH, so each is a list of CTEs the caller puts at the top of its own.
 */
import type { SqlClient, Statement } from "@effect/sql"
import { Option } from "effect"
import * as Timestamps from "./Timestamps.js"

/** The delivery a row is kept for: its webhook and event, and the event's teamspace. */
export interface Delivery {
  readonly teamspace: string
  readonly webhookId: string
  readonly eventId: string
}

/**
 * The delivery's row deleted (`owed_settled`); with `startedAt`, only if no redelivery was asked for
 * at or after it: the queue runs that redelivery, so the delivery is still owed.
 */
export const settled = (
  sql: SqlClient.SqlClient,
  delivery: Delivery,
  startedAt: Option.Option<number>
): Statement.Fragment =>
  sql`owed_settled AS (
    DELETE FROM herald_owed_deliveries
    WHERE webhook_id = ${delivery.webhookId} AND event_id = ${delivery.eventId}
      ${
    Option.match(startedAt, {
      onNone: () => sql``,
      onSome: (start) => sql`AND (redelivered_at IS NULL OR redelivered_at < ${Timestamps.at(sql, start)})`
    })
  })`

/**
 * The delivery owed next at `attempt`, due at `dueAt`: its row updated first (`owed_updated`), so a
 * row whose event key has gone (expired) is still updated; inserted from the event's key otherwise
 * (`owed_inserted`), whose conflict clause covers a row made in between. An event the store no
 * longer knows gets no row.
 */
export const scheduled = (
  sql: SqlClient.SqlClient,
  delivery: Delivery,
  attempt: number,
  dueAt: number
): Statement.Fragment => {
  const due = Timestamps.at(sql, dueAt)
  return sql`owed_updated AS (
    UPDATE herald_owed_deliveries SET attempt = ${attempt}, due_at = ${due}, requeues = 0
    WHERE webhook_id = ${delivery.webhookId} AND event_id = ${delivery.eventId}
    RETURNING 1),
  owed_inserted AS (
    INSERT INTO herald_owed_deliveries (webhook_id, event_id, teamspace, event_created_at, attempt, due_at)
    SELECT ${delivery.webhookId}, ${delivery.eventId}, ${delivery.teamspace}, k.created_at, ${attempt}, ${due}
    FROM herald_event_keys k
    WHERE k.teamspace = ${delivery.teamspace} AND k.id = ${delivery.eventId} AND NOT EXISTS (SELECT FROM owed_updated)
    ON CONFLICT (webhook_id, event_id) DO UPDATE
    SET attempt = excluded.attempt, due_at = excluded.due_at, requeues = 0)`
}
