/**
 * DeliveryLedger on PostgreSQL (`Migrations`' `6_ledger`; docs/postgres.md, section 4): what is
 * owed to whom, so that the queue in Redis holds only work in flight and a reconciler can rebuild it.
 *
 * - `herald_owed_deliveries`: a row per delivery not yet settled, keyed by `DeliveryJob.key`
 *   (webhook id, event id): the attempt its job makes next, when that job is due (NULL: an ordered
 *   webhook's, behind its head), when a redelivery was last asked for, and how many reconciled runs
 *   this attempt has had. A settled delivery's row is gone; its attempts tell how it ended.
 * - `herald_fanouts` (made by `EventStore.append`, or by `appendOwing` when its first page leaves
 *   more; migration `3_events`): the fan-out cursor. `after` is the last webhook owed so far (NULL:
 *   none yet); the row goes when the fan-out is fully owed.
 *   `owe` moves it by compare-and-set in the statement that inserts the owed rows, which are
 *   inserted only from the row the compare-and-set returned: two runs of one step, or a late step
 *   after the fan-out finished, owe nothing twice. `oweAll` does the same for a batch's steps in
 *   one statement (a batch publish: one write for its 500 events, not 500).
 * - `herald_sequence_entries` (`PostgresSequenceStore`): the ordered heads, with `head_since`.
 * - `herald_state`: the queue epoch the reconciler last saw.
 *
 * Every operation is one statement, so atomic on its own. A row is made only for an event whose key
 * is in `herald_event_keys` (its `created_at` rides along: the day of the event's partition), so
 * `scheduled` and `redeliver` owe nothing for an event the store no longer knows. The reconciler's
 * reads are index range scans of small tables: `overdue` a keyset page over
 * `(due_at, webhook_id, event_id)`, `unfinishedFanOuts` over `updated_at`, `waitingHeads` over the
 * heads in webhook id order. Times are epoch ms in the API, `timestamptz` in the tables (exact: they
 * keep microseconds); the reads order by the table's columns, qualified, never by the output's ms
 * of the same name (which no index holds). Database failures are defects: the port's operations
 * never fail.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { type DeliveryJob, DeliveryLedger, type Event, type Ids } from "@herald/core"
import * as OwedDeliveries from "./internal/OwedDeliveries.js"
import * as Timestamps from "./internal/Timestamps.js"

/** The `herald_state` row holding the queue epoch. */
const EPOCH = "queue-epoch"

interface OwedRow {
  readonly teamspace: string
  readonly event_id: string
  readonly webhook_id: string
  readonly attempt: number
  readonly due_at: number
}

interface FanOutRow {
  readonly teamspace: string
  readonly event_id: string
  readonly after: string | null
  readonly updated_at: number
}

interface HeadRow {
  readonly teamspace: string
  readonly webhook_id: string
  readonly event_id: string
  readonly since: number
  readonly attempt: number
  readonly due_at: number | null
}

/**
 * Builds the PostgreSQL `DeliveryLedger` over `@effect/sql`'s `SqlClient`; for composing it yourself.
 * Most callers want `layer`. Needs the schema (`Migrations.run`); shares its tables with
 * `PostgresEventStore` (the fan-out cursor, the event keys) and `PostgresSequenceStore` (the heads).
 */
export const make: Effect.Effect<DeliveryLedger.DeliveryLedgerShape, never, SqlClient.SqlClient> = Effect.gen(
  function*() {
    const sql = yield* SqlClient.SqlClient

    const at = (time: number) => Timestamps.at(sql, time)
    const millis = (column: string) => Timestamps.millis(sql, column)

    const owe = (
      event: Event.Event,
      targets: ReadonlyArray<DeliveryLedger.Owed>,
      from: Option.Option<Ids.WebhookId>,
      to: Option.Option<Ids.WebhookId>
    ) => {
      // A step owes each webhook once; the first of a repeated target counts.
      const unique = new Map<Ids.WebhookId, number | null>()
      for (const target of targets) if (!unique.has(target.webhookId)) unique.set(target.webhookId, target.dueAt)
      const matches = sql`teamspace = ${event.teamspace} AND event_id = ${event.id}
        AND after IS NOT DISTINCT FROM ${Option.getOrNull(from)}::text`
      // The compare-and-set: the cursor moves on, or goes once the fan-out is fully owed. Of two
      // statements moving one cursor, the second waits on the first's row lock, then finds the row
      // moved or gone and returns nothing.
      const moved = Option.match(to, {
        onNone: () => sql`DELETE FROM herald_fanouts WHERE ${matches} RETURNING 1`,
        onSome: (after) =>
          sql`UPDATE herald_fanouts SET after = ${after}, updated_at = now() WHERE ${matches} RETURNING 1`
      })
      return sql<{ readonly won: boolean }>`WITH moved AS (${moved}),
        owed AS (
          INSERT INTO herald_owed_deliveries (webhook_id, event_id, teamspace, event_created_at, due_at)
          SELECT target.webhook_id, ${event.id}, ${event.teamspace}, ${at(event.createdAt)},
            to_timestamp(target.due_at / 1000)
          FROM unnest(${[...unique.keys()]}::text[], ${[...unique.values()]}::float8[])
            AS target (webhook_id, due_at)
          WHERE EXISTS (SELECT FROM moved)
          ON CONFLICT (webhook_id, event_id) DO NOTHING)
        SELECT EXISTS (SELECT FROM moved) AS won`.pipe(
        Effect.orDie,
        Effect.map((rows) => rows[0]?.won === true)
      )
    }

    // `owe` for many events in one statement, from arrays: the steps (`n` their position, from 1),
    // and the targets of all of them flattened with their step's index (from 0). Each cursor moves
    // by the same compare-and-set as `owe`'s (of two statements moving one cursor, the second waits
    // on the first's row lock, then re-checks the row and skips it), and a step's deliveries are
    // inserted only when its cursor moved. Two steps of one event
    // would meet one row twice in a statement: those go one `owe` at a time.
    const oweAll = (steps: ReadonlyArray<DeliveryLedger.Step>): Effect.Effect<ReadonlyArray<boolean>> => {
      if (steps.length === 0) return Effect.succeed([])
      const events = new Set(steps.map((step) => `${step.event.teamspace}\n${step.event.id}`))
      if (events.size < steps.length) {
        return Effect.forEach(steps, (step) => owe(step.event, step.targets, step.from, step.to))
      }
      const targets = { n: [] as Array<number>, webhookId: [] as Array<string>, dueAt: [] as Array<number | null> }
      steps.forEach((step, n) => {
        const seen = new Set<Ids.WebhookId>()
        for (const target of step.targets) {
          if (seen.has(target.webhookId)) continue
          seen.add(target.webhookId)
          targets.n.push(n)
          targets.webhookId.push(target.webhookId)
          targets.dueAt.push(target.dueAt)
        }
      })
      return sql<{ readonly n: number }>`WITH step AS (
          SELECT * FROM unnest(${steps.map((step) => step.event.teamspace)}::text[],
            ${steps.map((step) => step.event.id)}::text[], ${steps.map((step) => step.event.createdAt)}::float8[],
            ${steps.map((step) => Option.getOrNull(step.from))}::text[], ${steps.map((step) => Option.getOrNull(step.to))}::text[])
            WITH ORDINALITY AS step (teamspace, event_id, created_ms, from_after, to_after, n)),
        -- The cursors standing at their step's from, locked in (teamspace, event id) order:
        -- callers owing overlapping events in different orders then wait, never deadlock. A row
        -- a concurrent step moved is re-checked once its lock is had, and left out if moved.
        locked AS (
          SELECT step.n, f.teamspace, f.event_id, step.from_after, step.to_after
          FROM step JOIN herald_fanouts f ON f.teamspace = step.teamspace AND f.event_id = step.event_id
          WHERE f.after IS NOT DISTINCT FROM step.from_after
          ORDER BY f.teamspace, f.event_id
          FOR UPDATE OF f),
        moved_on AS (
          UPDATE herald_fanouts f SET after = locked.to_after, updated_at = now()
          FROM locked
          WHERE locked.to_after IS NOT NULL AND f.teamspace = locked.teamspace AND f.event_id = locked.event_id
            AND f.after IS NOT DISTINCT FROM locked.from_after
          RETURNING locked.n),
        finished AS (
          DELETE FROM herald_fanouts f USING locked
          WHERE locked.to_after IS NULL AND f.teamspace = locked.teamspace AND f.event_id = locked.event_id
            AND f.after IS NOT DISTINCT FROM locked.from_after
          RETURNING locked.n),
        moved AS (SELECT n FROM moved_on UNION ALL SELECT n FROM finished),
        owed AS (
          INSERT INTO herald_owed_deliveries (webhook_id, event_id, teamspace, event_created_at, due_at)
          SELECT target.webhook_id, step.event_id, step.teamspace, to_timestamp(step.created_ms / 1000),
            to_timestamp(target.due_at / 1000)
          FROM unnest(${targets.n}::int[], ${targets.webhookId}::text[], ${targets.dueAt}::float8[])
            AS target (n, webhook_id, due_at)
          JOIN step ON step.n = target.n + 1
          WHERE target.n + 1 IN (SELECT n FROM moved)
          ORDER BY target.webhook_id, step.event_id
          ON CONFLICT (webhook_id, event_id) DO NOTHING)
        SELECT n::int FROM moved`.pipe(
        Effect.orDie,
        Effect.map((rows) => {
          const won = new Set(rows.map((row) => Number(row.n) - 1))
          return steps.map((_, n) => won.has(n))
        })
      )
    }

    const settle = (job: DeliveryJob.DeliveryJob, startedAt: Option.Option<number>) =>
      sql`WITH ${OwedDeliveries.settled(sql, job, startedAt)} SELECT 1`.pipe(Effect.orDie, Effect.asVoid)

    const scheduled = (job: DeliveryJob.DeliveryJob, dueAt: number) =>
      sql`WITH ${OwedDeliveries.scheduled(sql, job, job.attempt, dueAt)} SELECT 1`.pipe(Effect.orDie, Effect.asVoid)

    const claim = (job: DeliveryJob.DeliveryJob) =>
      sql<{ readonly requeues: number }>`UPDATE herald_owed_deliveries SET requeues = requeues + 1
        WHERE webhook_id = ${job.webhookId} AND event_id = ${job.eventId}
        RETURNING requeues`.pipe(
        Effect.orDie,
        Effect.map((rows) => Option.fromNullable(rows[0]?.requeues))
      )

    // As `scheduled`: existing rows updated (their attempt kept, the earlier due time taken: LEAST
    // ignores a NULL), missing ones inserted from their event's key at attempt 1.
    const redeliver = (
      teamspace: Ids.TeamspaceId,
      deliveries: ReadonlyArray<DeliveryLedger.Redelivery>,
      time: number
    ) => {
      const unique = new Map<string, DeliveryLedger.Redelivery>()
      for (const delivery of deliveries) {
        const key = `${delivery.webhookId}.${delivery.eventId}`
        if (!unique.has(key)) unique.set(key, delivery)
      }
      if (unique.size === 0) return Effect.void
      const given = [...unique.values()]
      return sql`WITH given AS (
          SELECT webhook_id, event_id, to_timestamp(due_at / 1000) AS due_at
          FROM unnest(${given.map((d) => d.webhookId)}::text[], ${given.map((d) => d.eventId)}::text[],
            ${given.map((d) => d.dueAt)}::float8[]) AS given (webhook_id, event_id, due_at)),
        updated AS (
          UPDATE herald_owed_deliveries o
          SET redelivered_at = ${at(time)}, requeues = 0, due_at = LEAST(o.due_at, given.due_at)
          FROM given WHERE o.webhook_id = given.webhook_id AND o.event_id = given.event_id
          RETURNING o.webhook_id, o.event_id)
        INSERT INTO herald_owed_deliveries
          (webhook_id, event_id, teamspace, event_created_at, attempt, due_at, redelivered_at)
        SELECT given.webhook_id, given.event_id, ${teamspace}, k.created_at, 1, given.due_at, ${at(time)}
        FROM given JOIN herald_event_keys k ON k.teamspace = ${teamspace} AND k.id = given.event_id
        WHERE NOT EXISTS (
          SELECT FROM updated WHERE updated.webhook_id = given.webhook_id AND updated.event_id = given.event_id)
        ON CONFLICT (webhook_id, event_id) DO UPDATE
        SET redelivered_at = excluded.redelivered_at, requeues = 0,
          due_at = LEAST(herald_owed_deliveries.due_at, excluded.due_at)`.pipe(Effect.orDie, Effect.asVoid)
    }

    const release = (
      teamspace: Ids.TeamspaceId,
      webhookId: Ids.WebhookId,
      eventIds: ReadonlyArray<Ids.EventId>,
      dueAt: number
    ) =>
      eventIds.length === 0 ? Effect.void : sql`UPDATE herald_owed_deliveries SET due_at = ${at(dueAt)}
        WHERE webhook_id = ${webhookId} AND event_id = ANY (${[...eventIds]}::text[])
          AND teamspace = ${teamspace} AND due_at IS NULL`.pipe(Effect.orDie, Effect.asVoid)

    const unfinishedFanOuts = (before: number, limit: number) =>
      limit < 1 ? Effect.succeed([]) : sql<FanOutRow>`SELECT f.teamspace, f.event_id, f.after,
          ${millis("f.updated_at")} AS updated_at
        FROM herald_fanouts f WHERE f.updated_at < ${at(before)}
        ORDER BY f.updated_at LIMIT ${Math.floor(limit)}`.pipe(
        Effect.orDie,
        Effect.map((rows) =>
          rows.map((row): DeliveryLedger.UnfinishedFanOut => ({
            teamspace: row.teamspace as Ids.TeamspaceId,
            eventId: row.event_id as Ids.EventId,
            after: Option.fromNullable(row.after as Ids.WebhookId | null),
            updatedAt: row.updated_at
          }))
        )
      )

    const abandonFanOut = (teamspace: Ids.TeamspaceId, eventId: Ids.EventId, before: number) =>
      sql`DELETE FROM herald_fanouts
        WHERE teamspace = ${teamspace} AND event_id = ${eventId} AND updated_at < ${at(before)}`.pipe(
        Effect.orDie,
        Effect.asVoid
      )

    const overdue = (query: DeliveryLedger.OverdueQuery) => {
      if (query.limit < 1) return Effect.succeed([])
      const { after, dueBefore } = query
      return sql<OwedRow>`SELECT o.teamspace, o.event_id, o.webhook_id, o.attempt, ${millis("o.due_at")} AS due_at
        FROM herald_owed_deliveries o
        WHERE ${
        sql.and([
          sql`o.due_at IS NOT NULL`,
          ...(dueBefore !== undefined ? [sql`o.due_at < ${at(dueBefore)}`] : []),
          ...(after !== undefined
            ? [sql`(o.due_at, o.webhook_id, o.event_id) > (${at(after.dueAt)}, ${after.webhookId}, ${after.eventId})`]
            : [])
        ])
      }
        ORDER BY o.due_at, o.webhook_id, o.event_id LIMIT ${Math.floor(query.limit)}`.pipe(
        Effect.orDie,
        Effect.map((rows) =>
          rows.map((row): DeliveryLedger.OwedDelivery => ({
            teamspace: row.teamspace as Ids.TeamspaceId,
            eventId: row.event_id as Ids.EventId,
            webhookId: row.webhook_id as Ids.WebhookId,
            attempt: row.attempt,
            dueAt: row.due_at
          }))
        )
      )
    }

    // Only a head carries `head_since` (`PostgresSequenceStore`), so this reads the heads' partial
    // index in webhook id order and stops at the limit.
    const waitingHeads = (before: number, limit: number, after?: Ids.WebhookId) =>
      limit < 1 ? Effect.succeed([]) : sql<HeadRow>`SELECT s.teamspace, s.webhook_id, s.event_id,
          ${millis("s.head_since")} AS since, coalesce(o.attempt, 1) AS attempt,
          ${millis("o.due_at")} AS due_at
        FROM herald_sequence_entries s
        LEFT JOIN herald_owed_deliveries o ON o.webhook_id = s.webhook_id AND o.event_id = s.event_id
        WHERE s.head_since IS NOT NULL AND s.head_since < ${at(before)}
          ${after === undefined ? sql`` : sql`AND s.webhook_id > ${after}`}
        ORDER BY s.webhook_id LIMIT ${Math.floor(limit)}`.pipe(
        Effect.orDie,
        Effect.map((rows) =>
          rows.map((row): DeliveryLedger.WaitingHead => ({
            teamspace: row.teamspace as Ids.TeamspaceId,
            webhookId: row.webhook_id as Ids.WebhookId,
            eventId: row.event_id as Ids.EventId,
            since: row.since,
            attempt: row.attempt,
            dueAt: row.due_at
          }))
        )
      )

    // A seq scan of the work table's rows with no due time (the ordered deliveries waiting), each
    // probed against the sequence's unique key: the table is the size of the work in flight.
    const stranded = (before: number, limit: number) =>
      limit < 1 ? Effect.succeed([]) : sql<{ readonly teamspace: string; readonly webhook_id: string; readonly event_id: string }>`
        SELECT o.teamspace, o.webhook_id, o.event_id FROM herald_owed_deliveries o
        WHERE o.due_at IS NULL
          AND greatest(o.event_created_at, o.redelivered_at) < ${at(before)}
          AND NOT EXISTS (SELECT FROM herald_sequence_entries s
            WHERE s.webhook_id = o.webhook_id AND s.event_id = o.event_id)
        LIMIT ${Math.floor(limit)}`.pipe(
        Effect.orDie,
        Effect.map((rows) =>
          rows.map((row): DeliveryLedger.StrandedDelivery => ({
            teamspace: row.teamspace as Ids.TeamspaceId,
            webhookId: row.webhook_id as Ids.WebhookId,
            eventId: row.event_id as Ids.EventId
          }))
        )
      )

    const readEpoch = sql<{ readonly value: string }>`SELECT value FROM herald_state WHERE name = ${EPOCH}`.pipe(
      Effect.orDie,
      Effect.map((rows) => Option.fromNullable(rows[0]?.value))
    )

    const writeEpoch = (epoch: string) =>
      sql`INSERT INTO herald_state (name, value) VALUES (${EPOCH}, ${epoch})
        ON CONFLICT (name) DO UPDATE SET value = excluded.value`.pipe(Effect.orDie, Effect.asVoid)

    return {
      records: true,
      owe,
      oweAll,
      settle,
      scheduled,
      claim,
      redeliver,
      release,
      unfinishedFanOuts,
      abandonFanOut,
      overdue,
      waitingHeads,
      stranded,
      readEpoch,
      writeEpoch
    }
  }
)

/**
 * Provides `DeliveryLedger` on PostgreSQL; needs a `SqlClient` (`PostgresClient.layer`) and the schema
 * (`Migrations`). Compose it with `PostgresEventStore` and `PostgresSequenceStore` on the same
 * database: it reads their tables. Database failures are defects, so the port's operations never fail.
 */
export const layer: Layer.Layer<DeliveryLedger.DeliveryLedger, never, SqlClient.SqlClient> = Layer.effect(
  DeliveryLedger.DeliveryLedger,
  make
)
