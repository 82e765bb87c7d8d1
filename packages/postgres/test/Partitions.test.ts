// The day partitions of both history tables: made once by concurrent processes, dropped once
// expired, and kept by the keeper's passes.
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Deferred, Effect, Fiber, Layer, Logger, Option, Queue, TestClock } from "effect"
import { AttemptLog, EventStore, HealthStore, Ids } from "@herald/core"
import { Partitions, PostgresAttemptLog, PostgresEventStore, PostgresHealthStore } from "@herald/postgres"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

const DAY = 24 * 60 * 60 * 1000

/** Every partition of both tables, by name. */
const partitions = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(
    sql<{ readonly name: string }>`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent IN ('herald_events'::regclass, 'herald_attempts'::regclass)`,
    (rows) => new Set(rows.map((row) => row.name))
  ))

/** Both tables' partition names for each UTC day from `from`'s to `to`'s. */
const names = (from: number, to: number) => {
  const out: Array<string> = []
  for (let day = Partitions.dayStart(from); day <= to; day += DAY) {
    for (const table of Partitions.tables) out.push(Partitions.tableName(table, day))
  }
  return out
}

/** Waits (real time, a 25 ms poll, 30 s at most) until `check` holds: for a keeper's forked pass. */
const eventually = <R>(check: Effect.Effect<boolean, unknown, R>) =>
  Effect.gen(function*() {
    for (let tries = 0; tries < 1200; tries++) {
      if (yield* Effect.orDie(check)) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 25)))
    }
    return yield* Effect.dieMessage("the condition never held")
  })

describe.skipIf(!available)(`Partitions ${skipReason}`, () => {
  const { client } = useDatabase()

  it.live("ensure makes the partitions of both tables for each day; run at once from four pools, each once", () =>
    Effect.gen(function*() {
      const from = Date.UTC(2040, 0, 1)
      const to = from + 6 * DAY
      yield* Effect.all(
        Array.from({ length: 4 }, () => Effect.provide(Partitions.ensure(from, to), client(1))),
        { concurrency: "unbounded" }
      )
      const made = yield* partitions
      expect(names(from, to).filter((name) => made.has(name))).toEqual(names(from, to))
      expect(names(from, to)).toHaveLength(14)
    }).pipe(Effect.provide(client(1))))

  it.live("passes at once from four pools: each expired partition is dropped by one of them, the younger stay", () =>
    Effect.gen(function*() {
      const old = Date.UTC(2001, 0, 1)
      yield* Partitions.ensure(old, old + 2 * DAY)
      // Ten years' retention: 2001's days are expired, today's are not.
      const runs = yield* Effect.all(
        Array.from({ length: 4 }, () => Effect.provide(Partitions.pass(10 * 365 * 24 * 60 * 60), client(1))),
        { concurrency: "unbounded" }
      )
      const dropped = runs.flatMap((run) => Option.isSome(run) ? run.value.partitions : [])
      expect(dropped.filter((name) => name.includes("_p2001")).sort()).toEqual(names(old, old + 2 * DAY).sort())
      expect(new Set(dropped).size).toBe(dropped.length)
      expect(runs.filter(Option.isSome).length).toBeGreaterThanOrEqual(1)
      const left = yield* partitions
      expect(names(old, old + 2 * DAY).filter((name) => left.has(name))).toEqual([])
      const now = Date.now()
      expect(names(now - DAY, now + 3 * DAY).filter((name) => left.has(name))).toEqual(names(now - DAY, now + 3 * DAY))
    }).pipe(Effect.provide(client(1))))

  it.live("a pass skips while another process holds the keeper's lock", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      // Another process: a transaction holding the lock, in its own fiber (a pass run inside that
      // transaction would join it, on its connection, and take the lock again).
      const locked = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(sql.withTransaction(
        sql`SELECT pg_advisory_xact_lock(${Partitions.KEEPER_LOCK_KEY}::bigint)`.pipe(
          Effect.zipRight(Deferred.succeed(locked, undefined)),
          Effect.zipRight(Deferred.await(release))
        )
      ))
      yield* Deferred.await(locked)
      expect(yield* Effect.provide(Partitions.pass(60), client(1))).toEqual(Option.none())
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      // Once it is released, a pass runs.
      expect(Option.isSome(yield* Effect.provide(Partitions.pass(10 * 365 * 24 * 60 * 60), client(1)))).toBe(true)
    }).pipe(Effect.provide(client(1))))

  it.effect("a keeper's pass that fails is logged, and the next pass runs as planned", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const now = Date.UTC(2045, 2, 1, 12)
      yield* TestClock.setTime(now)
      const warnings = yield* Queue.unbounded<string>()
      const capture = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") Queue.unsafeOffer(warnings, String(message))
      })
      // The first pass fails at its last step, the streaks' delete, on a table missing.
      yield* sql`ALTER TABLE herald_webhook_health RENAME TO herald_webhook_health_away`
      yield* Layer.build(Partitions.keeper({ retentionSeconds: 30 * 24 * 60 * 60, intervalMs: DAY })).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, capture))
      )
      expect(yield* Queue.take(warnings)).toContain("partition keeper: pass failed")
      yield* sql`ALTER TABLE herald_webhook_health_away RENAME TO herald_webhook_health`
      // The keeper goes on: the next pass, a day later, makes the partitions of that day + 3.
      const ahead = names(now + 4 * DAY, now + 4 * DAY)
      const made = yield* partitions
      expect(ahead.filter((name) => made.has(name))).toEqual([])
      yield* TestClock.adjust("1 day")
      yield* eventually(Effect.map(partitions, (made) => ahead.every((name) => made.has(name))))
      expect(yield* Queue.size(warnings)).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(client(2))))

  it.effect("the keeper drops the expired partitions of both tables, their keys and streaks, then makes the next day's every interval", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      // 23:30 UTC: the pass an hour later runs on the next day.
      const now = Date.UTC(2050, 5, 10, 23, 30)
      const teamspace = Fixtures.teamspace()
      const webhookId = Ids.makeWebhookId()
      const expiredAt = now - 40 * DAY
      const youngAt = now - 10 * DAY

      // A streak whose last failure was 40 days ago, and one 10 days ago.
      yield* TestClock.setTime(expiredAt)
      const health = yield* HealthStore.HealthStore
      yield* health.recordFailure(teamspace, webhookId, expiredAt)
      yield* TestClock.setTime(youngAt)
      yield* health.recordFailure(teamspace, Ids.makeWebhookId(), youngAt)
      yield* TestClock.setTime(now)

      const events = yield* EventStore.EventStore
      const attempts = yield* AttemptLog.AttemptLog
      for (const time of [expiredAt, youngAt]) {
        const event = Fixtures.event({ teamspace, time })
        yield* events.append(event)
        yield* attempts.record(Fixtures.attempt({ teamspace, webhookId, eventId: event.id, time }))
      }
      const expired = names(expiredAt, expiredAt)
      const young = names(youngAt, youngAt)
      const before = yield* partitions
      expect([...expired, ...young].every((name) => before.has(name))).toBe(true)
      // Reads already leave the expired ones out.
      expect((yield* attempts.list({ teamspace, limit: 10 })).map((attempt) => attempt.attemptedAt)).toEqual([youngAt])

      yield* Layer.build(Partitions.keeper({ retentionSeconds: 30 * 24 * 60 * 60 }))
      yield* eventually(Effect.map(partitions, (made) => expired.every((name) => !made.has(name))))
      const after = yield* partitions
      expect(young.every((name) => after.has(name))).toBe(true)
      expect(names(now - DAY, now + 3 * DAY).every((name) => after.has(name))).toBe(true)
      // The pass deletes the expired keys and streaks after the partitions, the young ones stay.
      yield* eventually(Effect.map(
        sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM herald_webhook_health WHERE teamspace = ${teamspace}`,
        (rows) => rows[0]?.n === 1
      ))
      const keys = yield* sql<{ readonly created_at: Date }>`SELECT created_at FROM herald_event_keys WHERE teamspace = ${teamspace}`
      expect(keys.map((row) => row.created_at.getTime())).toEqual([youngAt])

      // An hour on it is the next day (UTC), whose + 3 days partitions the next pass makes.
      const fourthDay = names(now + 60 * 60 * 1000 + 3 * DAY, now + 60 * 60 * 1000 + 3 * DAY)
      expect(fourthDay.some((name) => after.has(name))).toBe(false)
      yield* TestClock.adjust("1 hour")
      yield* eventually(Effect.map(partitions, (made) => fourthDay.every((name) => made.has(name))))
    }).pipe(
      Effect.scoped,
      Effect.provide(
        Layer.mergeAll(PostgresEventStore.layer(), PostgresAttemptLog.layer(), PostgresHealthStore.layer()).pipe(
          Layer.provideMerge(client(4))
        )
      )
    ))
})
