/**
 * The fan-out's read of `herald_webhook_subscriptions` (`Migrations`' `1_webhooks`): a teamspace's
 * enabled webhooks subscribed to an event type, in id order, ids and the `ordered` flag only: one
 * range scan of the index's primary key. `PostgresSubscriptionStore.activePage` runs it alone, and
 * `PostgresEventStore.appendOwing` inside the append that owes the first page.
 */
import type { SqlClient, Statement } from "@effect/sql"

/** The row of a fan-out target, as the query returns it. */
export interface TargetRow {
  readonly webhook_id: string
  readonly ordered: boolean
}

/** `SELECT webhook_id, ordered` of up to `limit` targets strictly after `after`, in id order. */
export const page = (
  sql: SqlClient.SqlClient,
  query: {
    readonly teamspace: string
    readonly eventType: string
    readonly after?: string | undefined
    readonly limit: number
  }
): Statement.Fragment =>
  sql`SELECT webhook_id, ordered FROM herald_webhook_subscriptions
    WHERE teamspace = ${query.teamspace} AND event_type = ${query.eventType}
      ${query.after === undefined ? sql`` : sql`AND webhook_id > ${query.after}`}
    ORDER BY webhook_id LIMIT ${query.limit}`
