/**
 * AttemptLog on PostgreSQL (`Migrations`' `4_attempts`): a row per attempt in `herald_attempts`,
 * partitioned by UTC day of `attemptedAt` (`Partitions`), written once and never updated.
 *
 * Order: newest first by `(attempted_at, id)`. The Dispatcher makes an attempt's id from the
 * millisecond of its `attemptedAt`, so that is id order (the order of the memory and Redis logs),
 * and a `before` cursor becomes the bound `(attempted_at, id) < (timeOf(before), before)` on the
 * partition key: a page reads only the partitions it needs. An event's attempts are read from the
 * day before the event's `created_at` (`herald_event_keys`), which prunes the older partitions when
 * the query runs; the day's margin covers a worker's clock behind the API's.
 *
 * `record` is one statement: with `endsFailureStreaks` (beside `PostgresHealthStore` on the same
 * database) a successful attempt's insert also deletes its webhook's failure streak, so a success
 * costs no second round trip; with `keepsLedger` (beside `PostgresDeliveryLedger`) the attempt's
 * `LedgerChange` is written in it too (`internal/OwedDeliveries`: the delivery settled, or its next
 * attempt owed), so an attempt and its outcome are one commit. Both off by default: beside another
 * health store the streak would never end, and beside another ledger its rows would be written here.
 *
 * Retention: an attempt counts as gone once `attemptedAt` is older than the retention (30 days by
 * default, the option of `RedisAttemptLog`): every read filters by that cutoff, and
 * `Partitions.dropExpired` drops the partitions. That bounds the log; the memory and Redis logs'
 * cap of 1,000 attempts per webhook, a bound on memory, is not applied. Database failures are
 * defects: the port's operations never fail.
 */
import { SqlClient, type Statement } from "@effect/sql"
import { Clock, Effect, Layer, Schema } from "effect"
import { Attempt, AttemptLog, Ids } from "@herald/core"
import * as OwedDeliveries from "./internal/OwedDeliveries.js"
import * as Timestamps from "./internal/Timestamps.js"
import * as Partitions from "./Partitions.js"
import * as Retention from "./Retention.js"

/** How long attempts are kept, and whether logging a success also ends the webhook's failure streak. */
export interface Options extends Retention.Options {
  /**
   * End a webhook's failure streak in `PostgresHealthStore` when a success is logged, in the same
   * statement (and say so, so `EndpointHealth` skips its own reset). Only beside
   * `PostgresHealthStore` on the same database. Default false.
   */
  readonly endsFailureStreaks?: boolean | undefined
  /**
   * Write each attempt's `AttemptLog.LedgerChange` in `PostgresDeliveryLedger`'s table in the same
   * statement (and say so, so the delivery loop leaves the ledger alone for that attempt). Only
   * beside `PostgresDeliveryLedger` on the same database. Default false.
   */
  readonly keepsLedger?: boolean | undefined
}

const decodeAttempt = Schema.decodeUnknown(Attempt.Attempt)

interface AttemptRow {
  readonly id: string
  readonly teamspace: string
  readonly webhook_id: string
  readonly event_id: string
  readonly event_type: string
  readonly attempt: number
  readonly url: string
  readonly attempted_at: number
  readonly duration_ms: number
  readonly successful: boolean
  readonly response_status: number | null
  readonly response_headers: string
  readonly response_body: Uint8Array
  readonly failure: string | null
  readonly failure_message: string | null
  readonly next_attempt_at: number | null
}

const utf8 = new TextDecoder()

/**
 * Builds the PostgreSQL `AttemptLog` with these options over `@effect/sql`'s `SqlClient`, after
 * ensuring the partitions of yesterday to today + 3 days; for composing it yourself. Most callers
 * want `layer`. Needs the schema (`Migrations.run`).
 */
export const make = (options?: Options): Effect.Effect<AttemptLog.AttemptLogShape, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const retentionMs = Retention.millis(options)
    const endsFailureStreaks = options?.endsFailureStreaks === true
    const keepsLedger = options?.keepsLedger === true
    yield* Effect.orDie(Partitions.ensureAhead)

    const at = (time: number) => Timestamps.at(sql, time)
    /** The oldest `attempted_at` still kept. */
    const cutoff = Effect.map(Clock.currentTimeMillis, (now) => now - retentionMs)

    // The same attempt recorded twice (a write retried) stays one attempt.
    const insert = (attempt: Attempt.Attempt) =>
      sql`INSERT INTO herald_attempts (teamspace, webhook_id, attempted_at, id, event_id, event_type, attempt, url,
          duration_ms, successful, response_status, response_headers, response_body, failure, failure_message,
          next_attempt_at)
        VALUES (${attempt.teamspace}, ${attempt.webhookId}, ${at(attempt.attemptedAt)}, ${attempt.id},
          ${attempt.eventId}, ${attempt.eventType}, ${attempt.attempt}, ${attempt.url}, ${attempt.durationMs},
          ${attempt.successful}, ${attempt.responseStatus}, ${JSON.stringify(attempt.responseHeaders)},
          ${Buffer.from(attempt.responseBody, "utf8")}, ${attempt.failure}, ${attempt.failureMessage},
          ${attempt.nextAttemptAt === null ? null : at(attempt.nextAttemptAt)})
        ON CONFLICT DO NOTHING`

    /**
     * The insert, with `endsFailureStreaks` a success's streak deleted, and with `keepsLedger` the
     * attempt's ledger change: one statement.
     */
    const statement = (attempt: Attempt.Attempt, ledger: AttemptLog.LedgerChange | undefined) => {
      const ctes: Array<Statement.Fragment> = []
      if (endsFailureStreaks && attempt.successful) {
        ctes.push(sql`streak AS (
          DELETE FROM herald_webhook_health
          WHERE teamspace = ${attempt.teamspace} AND webhook_id = ${attempt.webhookId})`)
      }
      if (keepsLedger && ledger !== undefined) {
        ctes.push(
          ledger._tag === "Settled"
            ? OwedDeliveries.settled(sql, attempt, ledger.startedAt)
            : OwedDeliveries.scheduled(sql, attempt, ledger.attempt, ledger.dueAt)
        )
      }
      return ctes.length === 0 ? insert(attempt) : sql`WITH ${sql.join(",\n", false)(ctes)} ${insert(attempt)}`
    }

    const record = (attempt: Attempt.Attempt, ledger?: AttemptLog.LedgerChange) =>
      Partitions.withPartition(attempt.attemptedAt, statement(attempt, ledger)).pipe(
        Effect.provideService(SqlClient.SqlClient, sql),
        Effect.orDie,
        Effect.asVoid
      )

    const decode = (row: AttemptRow) =>
      Effect.orDie(decodeAttempt({
        id: row.id,
        teamspace: row.teamspace,
        webhookId: row.webhook_id,
        eventId: row.event_id,
        eventType: row.event_type,
        attempt: row.attempt,
        url: row.url,
        attemptedAt: row.attempted_at,
        durationMs: row.duration_ms,
        successful: row.successful,
        responseStatus: row.response_status,
        responseHeaders: JSON.parse(row.response_headers),
        responseBody: utf8.decode(row.response_body),
        failure: row.failure,
        failureMessage: row.failure_message,
        nextAttemptAt: row.next_attempt_at
      }))

    const list = (query: AttemptLog.AttemptQuery) =>
      Effect.gen(function*() {
        const limit = Math.max(0, Math.floor(query.limit))
        if (limit === 0) return []
        const oldest = yield* cutoff
        const rows = yield* sql<AttemptRow>`SELECT a.id, a.teamspace, a.webhook_id, a.event_id, a.event_type,
            a.attempt, a.url, ${Timestamps.millis(sql, "a.attempted_at")} AS attempted_at, a.duration_ms,
            a.successful, a.response_status, a.response_headers, a.response_body, a.failure,
            a.failure_message, ${Timestamps.millis(sql, "a.next_attempt_at")} AS next_attempt_at
          FROM herald_attempts a
          WHERE ${
          sql.and([
            sql`a.teamspace = ${query.teamspace}`,
            sql`a.attempted_at >= ${at(oldest)}`,
            ...(query.webhookId !== undefined ? [sql`a.webhook_id = ${query.webhookId}`] : []),
            ...(query.eventId !== undefined
              ? [
                sql`a.event_id = ${query.eventId}`,
                // From a day before the event (clocks disagree); an event id without a key (never
                // appended here, or its key deleted by retention) keeps the retention's bound alone.
                sql`a.attempted_at >= COALESCE((SELECT k.created_at - interval '1 day' FROM herald_event_keys k
                  WHERE k.teamspace = ${query.teamspace} AND k.id = ${query.eventId}), '-infinity')`
              ]
              : []),
            ...(query.eventType !== undefined ? [sql`a.event_type = ${query.eventType}`] : []),
            // Spelled as SQL, not a parameter, so the planner can match the failed-attempts index.
            ...(query.successful !== undefined ? [sql.literal(query.successful ? "a.successful" : "NOT a.successful")] : []),
            // The row comparison is the bound; the plain one repeats its first half, in the form
            // partition pruning understands (it reads no row comparison).
            ...(query.before !== undefined
              ? [
                sql`a.attempted_at <= ${at(Ids.timeOf(query.before))}`,
                sql`(a.attempted_at, a.id) < (${at(Ids.timeOf(query.before))}, ${query.before})`
              ]
              : [])
          ])
        }
          ORDER BY a.attempted_at DESC, a.id DESC
          LIMIT ${limit}`.pipe(Effect.orDie)
        return yield* Effect.forEach(rows, decode)
      })

    return { record, list, endsFailureStreaks, keepsLedger }
  })

/**
 * Provides `AttemptLog` on PostgreSQL with these options; needs a `SqlClient`
 * (`PostgresClient.layer`) and the schema (`Migrations`). Building it makes the coming days'
 * partitions. Database failures are defects, so the port's operations never fail.
 */
export const layer = (options?: Options): Layer.Layer<AttemptLog.AttemptLog, never, SqlClient.SqlClient> =>
  Layer.effect(AttemptLog.AttemptLog, make(options))
