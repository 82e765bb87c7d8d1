// The per-webhook cap, which the conformance suite leaves to each adapter.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { AttemptLog, Ids } from "@herald/core"
import { MemoryAttemptLog } from "@herald/memory"
import { Fixtures } from "@herald/testkit"

describe("MemoryAttemptLog", () => {
  it.effect("keeps the newest MAX_ATTEMPTS_PER_WEBHOOK attempts per webhook, in every index", () =>
    Effect.gen(function*() {
      const log = yield* AttemptLog.AttemptLog
      const teamspace = Fixtures.teamspace()
      const busy = Ids.makeWebhookId(Fixtures.baseTime)
      const quiet = Ids.makeWebhookId(Fixtures.baseTime + 1)
      const oldEvent = Ids.makeEventId(Fixtures.baseTime)
      const cap = MemoryAttemptLog.MAX_ATTEMPTS_PER_WEBHOOK
      let time = Fixtures.baseTime
      const quietAttempt = Fixtures.attempt({ teamspace, webhookId: quiet, eventId: oldEvent, time: time++ })
      yield* log.record(quietAttempt)
      const busyAttempts = Array.from({ length: cap + 5 }, (_, n) =>
        Fixtures.attempt({ teamspace, webhookId: busy, eventId: n < 5 ? oldEvent : Ids.makeEventId(time), time: time++ }))
      for (const attempt of busyAttempts) yield* log.record(attempt)

      const kept = busyAttempts.slice(5).map((a) => a.id).reverse()
      const ids = (attempts: ReadonlyArray<{ readonly id: string }>) => attempts.map((a) => a.id)
      expect(ids(yield* log.list({ teamspace, webhookId: busy, limit: cap + 100 }))).toEqual(kept)
      expect(ids(yield* log.list({ teamspace, limit: cap + 100 }))).toEqual([...kept, quietAttempt.id])
      // The evicted attempts are gone from the event index too; the other webhook's stays.
      expect(ids(yield* log.list({ teamspace, eventId: oldEvent, limit: 100 }))).toEqual([quietAttempt.id])
    }).pipe(Effect.provide(MemoryAttemptLog.layer)))
})
