// What the conformance suite cannot see: the failure streak a logged success ends, what is at rest,
// the day partitions, and retention.
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { Attempt, AttemptLog, EventStore, HealthStore, Ids } from "@herald/core"
import { Partitions, PostgresAttemptLog, PostgresEventStore, PostgresHealthStore } from "@herald/postgres"
import { Fixtures } from "@herald/testkit"
import { EndsFailureStreaksSuite } from "@herald/testkit/conformance"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

const DAY = 24 * 60 * 60 * 1000

const ids = (attempts: ReadonlyArray<{ readonly id: string }>) => attempts.map((attempt) => attempt.id)

describe.skipIf(!available)(`PostgresAttemptLog ${skipReason}`, () => {
  const { client } = useDatabase()
  const log = (options?: PostgresAttemptLog.Options) => Layer.provideMerge(PostgresAttemptLog.layer(options), client())

  EndsFailureStreaksSuite.suite(
    "with endsFailureStreaks, beside PostgresHealthStore",
    // Each build its own pool, as separate processes would have.
    Layer.mergeAll(PostgresAttemptLog.layer({ endsFailureStreaks: true }), PostgresHealthStore.layer()).pipe(
      Layer.provide(client())
    )
  )

  it.live("by default a logged success leaves the streak alone and says so (EndpointHealth then ends it)", () =>
    Effect.gen(function*() {
      const context = yield* Layer.mergeAll(PostgresAttemptLog.layer(), PostgresHealthStore.layer()).pipe(
        Layer.provide(client()),
        Layer.build
      )
      const log = yield* Effect.provide(AttemptLog.AttemptLog, context)
      const health = yield* Effect.provide(HealthStore.HealthStore, context)
      expect(log.endsFailureStreaks).toBe(false)
      const teamspace = Fixtures.teamspace()
      const webhookId = Ids.makeWebhookId()
      const start = Date.now()
      yield* health.recordFailure(teamspace, webhookId, start)
      yield* log.record(Fixtures.attempt({ teamspace, webhookId, eventId: Ids.makeEventId(), time: start + 1, successful: true }))
      expect(yield* health.recordFailure(teamspace, webhookId, start + 2)).toEqual({ failingSince: start, failures: 2 })
    }).pipe(Effect.scoped))

  it.live("what came back is kept exactly: headers in their order, a body holding a NUL, the duration's fraction", () =>
    Effect.gen(function*() {
      const attempts = yield* AttemptLog.AttemptLog
      const sql = yield* SqlClient.SqlClient
      const teamspace = Fixtures.teamspace()
      const now = Date.now()
      const attempt = new Attempt.Attempt({
        ...Fixtures.attempt({ teamspace, webhookId: Ids.makeWebhookId(), eventId: Ids.makeEventId(), time: now, successful: false }),
        responseHeaders: { "x-z": "last first", "retry-after": "120", "content-type": "application/octet-stream" },
        responseBody: "\u0000\u0001PNG é \u{1F600}",
        durationMs: 12.5,
        responseStatus: 503,
        failureMessage: "the receiver answered 503",
        nextAttemptAt: now + 5_000
      })
      yield* attempts.record(attempt)
      const rows = yield* sql<{ readonly response_headers: string; readonly response_body: Uint8Array }>`
        SELECT response_headers, response_body FROM herald_attempts WHERE teamspace = ${teamspace}`
      expect(rows.map((row) => row.response_headers)).toEqual([JSON.stringify(attempt.responseHeaders)])
      expect(rows.map((row) => Buffer.from(row.response_body).toString("hex"))).toEqual([
        Buffer.from(attempt.responseBody, "utf8").toString("hex")
      ])
      const [listed] = yield* attempts.list({ teamspace, limit: 10 })
      expect(listed).toEqual(attempt)
      expect(Object.keys(listed!.responseHeaders)).toEqual(["x-z", "retry-after", "content-type"])
    }).pipe(Effect.provide(log())))

  it.live("an attempt recorded twice is logged once", () =>
    Effect.gen(function*() {
      const attempts = yield* AttemptLog.AttemptLog
      const teamspace = Fixtures.teamspace()
      const attempt = Fixtures.attempt({ teamspace, webhookId: Ids.makeWebhookId(), eventId: Ids.makeEventId(), time: Date.now() })
      yield* attempts.record(attempt)
      yield* attempts.record(attempt)
      expect(ids(yield* attempts.list({ teamspace, limit: 10 }))).toEqual([attempt.id])
    }).pipe(Effect.provide(log())))

  it.live("an attempt on a day without a partition makes the partition and is logged", () =>
    Effect.gen(function*() {
      const attempts = yield* AttemptLog.AttemptLog
      const sql = yield* SqlClient.SqlClient
      const teamspace = Fixtures.teamspace()
      const time = Date.now() + 400 * DAY
      const name = Partitions.tableName(Partitions.attempts, Partitions.dayStart(time))
      const exists = Effect.map(
        sql<{ readonly found: boolean }>`SELECT to_regclass(${name}) IS NOT NULL AS found`,
        (rows) => rows[0]?.found === true
      )
      expect(yield* exists).toBe(false)
      const webhookId = Ids.makeWebhookId()
      // A success with endsFailureStreaks: the statement that failed for want of a partition held
      // the streak's delete too, and runs again whole.
      const attempt = Fixtures.attempt({ teamspace, webhookId, eventId: Ids.makeEventId(), time, successful: true })
      yield* attempts.record(attempt)
      expect(yield* exists).toBe(true)
      expect(ids(yield* attempts.list({ teamspace, webhookId, limit: 10 }))).toEqual([attempt.id])
    }).pipe(Effect.provide(log({ endsFailureStreaks: true }))))

  it.live("an attempt older than the retention is gone from every listing; the younger stay", () =>
    Effect.gen(function*() {
      const attempts = yield* AttemptLog.AttemptLog
      const teamspace = Fixtures.teamspace()
      const webhookId = Ids.makeWebhookId()
      const eventId = Ids.makeEventId()
      const now = Date.now()
      const expired = Fixtures.attempt({ teamspace, webhookId, eventId, time: now - 61_000, successful: false })
      const kept = Fixtures.attempt({ teamspace, webhookId, eventId, time: now, successful: false })
      yield* attempts.record(expired)
      yield* attempts.record(kept)
      expect(ids(yield* attempts.list({ teamspace, limit: 10 }))).toEqual([kept.id])
      expect(ids(yield* attempts.list({ teamspace, webhookId, limit: 10 }))).toEqual([kept.id])
      expect(ids(yield* attempts.list({ teamspace, eventId, limit: 10 }))).toEqual([kept.id])
      expect(ids(yield* attempts.list({ teamspace, webhookId, successful: false, limit: 10 }))).toEqual([kept.id])
      expect(ids(yield* attempts.list({ teamspace, webhookId, before: kept.id, limit: 10 }))).toEqual([])
    }).pipe(Effect.provide(log({ retentionSeconds: 60 }))))

  it.live("an event's attempts are listed across days, and from a worker's clock behind the API's", () =>
    Effect.gen(function*() {
      const attempts = yield* AttemptLog.AttemptLog
      const events = yield* EventStore.EventStore
      const teamspace = Fixtures.teamspace()
      const webhookId = Ids.makeWebhookId()
      const event = Fixtures.event({ teamspace, time: Date.now() - 3 * DAY })
      yield* events.append(event)
      // An hour before the event (a worker's clock behind), then retries over the following days.
      const times = [-60 * 60 * 1000, 0, DAY, 2 * DAY + 1, 3 * DAY - 1].map((offset) => event.createdAt + offset)
      const made = times.map((time) => Fixtures.attempt({ teamspace, webhookId, eventId: event.id, time, successful: false }))
      yield* Effect.forEach(made, (attempt) => attempts.record(attempt), { discard: true })
      const other = Fixtures.attempt({ teamspace, webhookId, eventId: Ids.makeEventId(), time: event.createdAt + DAY })
      yield* attempts.record(other)
      expect(ids(yield* attempts.list({ teamspace, eventId: event.id, limit: 10 }))).toEqual(ids(made).reverse())
      expect(ids(yield* attempts.list({ teamspace, eventId: event.id, limit: 2, before: made[3]!.id }))).toEqual(
        [made[2]!.id, made[1]!.id]
      )
      // An event id without a key in this store (the suites' case) is looked for over the retention.
      expect(ids(yield* attempts.list({ teamspace, eventId: other.eventId, limit: 10 }))).toEqual([other.id])
    }).pipe(Effect.provide(Layer.mergeAll(log(), Layer.provide(PostgresEventStore.layer(), client())))))
})
