/**
 * SubscriptionStore on PostgreSQL (tables in `Migrations`).
 *
 * - `herald_webhooks`: one row per webhook, keyed by (teamspace, id), with the
 *   Schema-encoded record. The teamspace is in every key and every query, so
 *   another teamspace's get, update or remove finds nothing. Ids are ULIDs under
 *   `COLLATE "C"`, so a page is one range scan of the primary key in id order.
 * - `herald_webhook_subscriptions`: (teamspace, event type, webhook id, ordered)
 *   for each event type of each ENABLED webhook, the fan-out index. `activePage`
 *   reads it alone (an index range scan, no record); `active` joins the records.
 *
 * A write is one transaction: the record, then its index rows deleted and
 * written again, under the row's lock, so concurrent writes of one webhook
 * leave the index matching the record that won.
 *
 * Signing secrets are written through `SecretCipher`, as on Redis: ciphertext
 * when a key is configured. Database failures are defects (the port's
 * operations never fail), as Redis errors are in `@herald/redis`.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Schema } from "effect"
import { type EventType, type Ids, SecretCipher, SubscriptionStore, Webhook } from "@herald/core"
import * as FanOutIndex from "./internal/FanOutIndex.js"

const json = Schema.parseJson(Webhook.Webhook)
const encodeJson = Schema.encode(json)
const decodeJson = Schema.decodeUnknown(json)

interface RecordRow {
  readonly record: string
}

/**
 * Builds the PostgreSQL `SubscriptionStore` over `@effect/sql`'s `SqlClient`; for composing it
 * yourself. Most callers want `layer`. Needs the schema (`Migrations.run`).
 */
export const make: Effect.Effect<SubscriptionStore.SubscriptionStoreShape, never, SqlClient.SqlClient> = Effect.gen(
  function*() {
    const sql = yield* SqlClient.SqlClient
    const cipher = yield* SecretCipher.SecretCipher
    // A record that no longer decodes is corrupt data: a defect, as on Redis.
    const encode = (webhook: Webhook.Webhook) => Effect.orDie(encodeJson(Webhook.mapSecretKeys(webhook, cipher.encrypt)))
    const decode = (row: RecordRow) =>
      Effect.map(Effect.orDie(decodeJson(row.record)), (webhook) => Webhook.mapSecretKeys(webhook, cipher.decrypt))
    const decodeAll = (rows: ReadonlyArray<RecordRow>) => Effect.forEach(rows, decode)

    /** Replaces the fan-out rows of `webhook` with those of its current state. */
    const reindex = (webhook: Webhook.Webhook) =>
      Effect.gen(function*() {
        yield* sql`DELETE FROM herald_webhook_subscriptions
          WHERE teamspace = ${webhook.teamspace} AND webhook_id = ${webhook.id}`
        if (!webhook.enabled) return
        yield* sql`INSERT INTO herald_webhook_subscriptions (teamspace, event_type, webhook_id, ordered)
          SELECT ${webhook.teamspace}, event_type, ${webhook.id}, ${webhook.ordered}
          FROM unnest(${[...new Set(webhook.events)]}::text[]) AS event_type`
      })

    const insert = (webhook: Webhook.Webhook) =>
      encode(webhook).pipe(
        Effect.flatMap((record) =>
          sql.withTransaction(Effect.zipRight(
            sql`INSERT INTO herald_webhooks (teamspace, id, enabled, ordered, record)
              VALUES (${webhook.teamspace}, ${webhook.id}, ${webhook.enabled}, ${webhook.ordered}, ${record})
              ON CONFLICT (teamspace, id) DO UPDATE
              SET enabled = excluded.enabled, ordered = excluded.ordered, record = excluded.record`,
            reindex(webhook)
          ))
        ),
        Effect.orDie
      )

    const update = (webhook: Webhook.Webhook) =>
      encode(webhook).pipe(
        Effect.flatMap((record) =>
          sql.withTransaction(Effect.gen(function*() {
            const updated = yield* sql`UPDATE herald_webhooks
              SET enabled = ${webhook.enabled}, ordered = ${webhook.ordered}, record = ${record}
              WHERE teamspace = ${webhook.teamspace} AND id = ${webhook.id}
              RETURNING id`
            if (updated.length === 0) return false
            yield* reindex(webhook)
            return true
          }))
        ),
        Effect.orDie
      )

    const get = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) =>
      sql<RecordRow>`SELECT record FROM herald_webhooks WHERE teamspace = ${teamspace} AND id = ${id}`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) => rows[0] === undefined ? Effect.succeedNone : Effect.asSome(decode(rows[0])))
      )

    // The fan-out rows go with the record (ON DELETE CASCADE).
    const remove = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) =>
      sql`DELETE FROM herald_webhooks WHERE teamspace = ${teamspace} AND id = ${id} RETURNING id`.pipe(
        Effect.orDie,
        Effect.map((rows) => rows.length > 0)
      )

    const list = (teamspace: Ids.TeamspaceId, query: SubscriptionStore.PageQuery) => {
      if (query.limit < 1) return Effect.succeed([])
      const after = query.after === undefined ? sql`` : sql`AND id > ${query.after}`
      const before = query.before === undefined ? sql`` : sql`AND id < ${query.before}`
      const order = query.order === "asc" ? sql`ORDER BY id ASC` : sql`ORDER BY id DESC`
      return sql<RecordRow>`SELECT record FROM herald_webhooks
        WHERE teamspace = ${teamspace} ${after} ${before} ${order} LIMIT ${query.limit}`.pipe(
        Effect.orDie,
        Effect.flatMap(decodeAll)
      )
    }

    const count = (teamspace: Ids.TeamspaceId) =>
      sql<{ readonly n: number }>`SELECT count(*)::integer AS n FROM herald_webhooks WHERE teamspace = ${teamspace}`
        .pipe(Effect.orDie, Effect.map((rows) => rows[0]?.n ?? 0))

    const active = (teamspace: Ids.TeamspaceId, eventType: EventType.EventType) =>
      sql<RecordRow>`SELECT w.record FROM herald_webhook_subscriptions s
        JOIN herald_webhooks w ON w.teamspace = s.teamspace AND w.id = s.webhook_id
        WHERE s.teamspace = ${teamspace} AND s.event_type = ${eventType}
        ORDER BY s.webhook_id`.pipe(Effect.orDie, Effect.flatMap(decodeAll))

    const activePage = (
      teamspace: Ids.TeamspaceId,
      eventType: EventType.EventType,
      page: { readonly after?: Ids.WebhookId | undefined; readonly limit: number }
    ): Effect.Effect<ReadonlyArray<SubscriptionStore.FanOutTarget>> => {
      if (page.limit < 1) return Effect.succeed([])
      return sql<FanOutIndex.TargetRow>`${FanOutIndex.page(sql, { teamspace, eventType, ...page })}`.pipe(
        Effect.orDie,
        Effect.map((rows) => rows.map((row) => ({ id: row.webhook_id as Ids.WebhookId, ordered: row.ordered })))
      )
    }

    return { insert, get, update, remove, list, count, active, activePage }
  }
)

/**
 * Provides `SubscriptionStore` on PostgreSQL; needs a `SqlClient` (`PostgresClient.layer`) and the
 * schema (`Migrations`). Database failures are defects, so the port's operations never fail.
 */
export const layer: Layer.Layer<SubscriptionStore.SubscriptionStore, never, SqlClient.SqlClient> = Layer.effect(
  SubscriptionStore.SubscriptionStore,
  make
)
