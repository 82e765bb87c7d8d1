// What the conformance suite cannot see: a streak idle for longer than the retention expires, as
// on Redis, and `Partitions.dropExpired` deletes it.
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, TestClock } from "effect"
import { HealthStore, Ids } from "@herald/core"
import { Partitions, PostgresHealthStore } from "@herald/postgres"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

describe.skipIf(!available)(`PostgresHealthStore ${skipReason}`, () => {
  const { client } = useDatabase()

  it.effect("a streak whose last failure is older than the retention starts afresh, and dropExpired deletes it", () =>
    Effect.gen(function*() {
      const health = yield* HealthStore.HealthStore
      const sql = yield* SqlClient.SqlClient
      const teamspace = Fixtures.teamspace()
      const [idle, busy] = [Ids.makeWebhookId(), Ids.makeWebhookId()]
      const start = Date.UTC(2030, 0, 1)
      yield* TestClock.setTime(start)
      yield* health.recordFailure(teamspace, idle, 1_000)
      yield* health.recordFailure(teamspace, idle, 2_000)
      yield* health.recordFailure(teamspace, busy, 1_000)
      // Within the retention (60 s) of its last failure, a streak goes on.
      yield* TestClock.adjust("59 seconds")
      expect(yield* health.recordFailure(teamspace, busy, 3_000)).toEqual({ failingSince: 1_000, failures: 2 })
      yield* TestClock.adjust("2 seconds")
      const streaks = () =>
        Effect.map(
          sql<{ readonly webhook_id: string }>`SELECT webhook_id FROM herald_webhook_health WHERE teamspace = ${teamspace}`,
          (rows) => rows.map((row) => row.webhook_id).sort()
        )
      // 61 s after its last failure the idle streak has expired: dropExpired deletes it, not the busy one.
      const dropped = yield* Partitions.dropExpired(start + 61_000 - 60_000)
      expect(dropped.streaks).toBe(1)
      expect(yield* streaks()).toEqual([busy])
      expect(yield* health.recordFailure(teamspace, idle, 4_000)).toEqual({ failingSince: 4_000, failures: 1 })
      // One left in place past its retention starts afresh as well.
      yield* TestClock.adjust("2 minutes")
      expect(yield* health.recordFailure(teamspace, busy, 5_000)).toEqual({ failingSince: 5_000, failures: 1 })
    }).pipe(Effect.provide(Layer.provideMerge(PostgresHealthStore.layer({ retentionSeconds: 60 }), client()))))
})
