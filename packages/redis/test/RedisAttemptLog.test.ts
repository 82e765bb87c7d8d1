// The per-webhook cap and the per-event index TTL, which the conformance suite
// leaves to each adapter; and the failure streak a logged success ends.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { Attempt, AttemptLog, HealthStore, Ids } from "@herald/core"
import { RedisAttemptLog, RedisClient, RedisHealthStore } from "@herald/redis"
import { Fixtures } from "@herald/testkit"
import { EndsFailureStreaksSuite } from "@herald/testkit/conformance"
import { available, skipReason, useRedis } from "./RedisTestServer.js"

const ids = (attempts: ReadonlyArray<{ readonly id: string }>) => attempts.map((attempt) => attempt.id)

describe.skipIf(!available)(`RedisAttemptLog ${skipReason}`, () => {
  const { client } = useRedis()

  it.live("1,005 attempts for one webhook: every list returns the newest 1,000 at most", () =>
    Effect.gen(function*() {
      const log = yield* AttemptLog.AttemptLog
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      const busy = Ids.makeWebhookId(Fixtures.baseTime)
      const quiet = Ids.makeWebhookId(Fixtures.baseTime + 1)
      const oldEvent = Ids.makeEventId(Fixtures.baseTime)
      const cap = RedisAttemptLog.MAX_ATTEMPTS_PER_WEBHOOK
      expect(cap).toBe(1_000)
      let time = Fixtures.baseTime
      const quietAttempt = Fixtures.attempt({ teamspace, webhookId: quiet, eventId: oldEvent, time: time++ })
      yield* log.record(quietAttempt)
      const busyAttempts = Array.from({ length: cap + 5 }, (_, n) =>
        Fixtures.attempt({ teamspace, webhookId: busy, eventId: n < 5 ? oldEvent : Ids.makeEventId(time), time: time++ }))
      for (const attempt of busyAttempts) yield* log.record(attempt)

      const kept = ids(busyAttempts.slice(5)).reverse()
      expect(ids(yield* log.list({ teamspace, webhookId: busy, limit: cap + 100 }))).toEqual(kept)
      expect(ids(yield* log.list({ teamspace, limit: cap + 100 }))).toEqual([...kept, quietAttempt.id])
      // The evicted attempts no longer show through the event index; the other webhook's does.
      expect(ids(yield* log.list({ teamspace, eventId: oldEvent, limit: 100 }))).toEqual([quietAttempt.id])
      // And their records are deleted: storage stays bounded per webhook.
      expect(yield* Effect.promise(() => redis.hlen(`${prefix}att:${teamspace}`))).toBe(cap + 1)
      // Paging with `before` across the whole capped list still has no gaps.
      const seen: Array<string> = []
      let before: Ids.AttemptId | undefined = undefined
      for (;;) {
        const page: ReadonlyArray<{ readonly id: Ids.AttemptId }> = yield* log.list({ teamspace, webhookId: busy, limit: 300, before })
        if (page.length === 0) break
        seen.push(...ids(page))
        before = page[page.length - 1]!.id
      }
      expect(seen).toEqual(kept)
    }).pipe(Effect.provide(Layer.provideMerge(RedisAttemptLog.layer(), client))))

  it.live("a sparse filter still fills its page from deep in the log", () =>
    Effect.gen(function*() {
      const log = yield* AttemptLog.AttemptLog
      const teamspace = Fixtures.teamspace()
      const webhookId = Ids.makeWebhookId(Fixtures.baseTime)
      const eventId = Ids.makeEventId(Fixtures.baseTime)
      let time = Fixtures.baseTime
      const attempts = Array.from({ length: 400 }, (_, n) =>
        Fixtures.attempt({ teamspace, webhookId, eventId, time: time++, successful: n % 100 === 0 }))
      yield* Effect.forEach(attempts, (attempt) => log.record(attempt), { concurrency: 20, discard: true })
      const expected = ids(attempts.filter((attempt) => attempt.successful)).reverse()
      expect(ids(yield* log.list({ teamspace, successful: true, limit: 10 }))).toEqual(expected)
      expect(ids(yield* log.list({ teamspace, successful: true, limit: 2, before: expected[1] as Ids.AttemptId })))
        .toEqual(expected.slice(2, 4))
    }).pipe(Effect.provide(Layer.provide(RedisAttemptLog.layer(), client))))

  it.live("the per-event index expires with the retention", () =>
    Effect.gen(function*() {
      const log = yield* AttemptLog.AttemptLog
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      const attempt = Fixtures.attempt({
        teamspace,
        webhookId: Ids.makeWebhookId(),
        eventId: Ids.makeEventId(),
        time: Date.now()
      })
      yield* log.record(attempt)
      const ttl = yield* Effect.promise(() => redis.ttl(`${prefix}att-evt:${teamspace}:${attempt.eventId}`))
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(60)
      // The webhook's own history is not subject to the event retention.
      expect(ids(yield* log.list({ teamspace, webhookId: attempt.webhookId, limit: 10 }))).toEqual([attempt.id])
    }).pipe(Effect.provide(Layer.provideMerge(RedisAttemptLog.layer({ retentionSeconds: 60 }), client))))

  EndsFailureStreaksSuite.suite(
    "with endsFailureStreaks, beside RedisHealthStore",
    // Each build its own connection, as separate processes would have.
    Layer.mergeAll(RedisAttemptLog.layer({ endsFailureStreaks: true }), RedisHealthStore.layer()).pipe(Layer.provide(client))
  )

  it.live("by default a logged success leaves the streak alone and says so (EndpointHealth then ends it)", () =>
    Effect.gen(function*() {
      const context = yield* Layer.mergeAll(RedisAttemptLog.layer(), RedisHealthStore.layer()).pipe(
        Layer.provide(client),
        Layer.build
      )
      const log = yield* Effect.provide(AttemptLog.AttemptLog, context)
      const health = yield* Effect.provide(HealthStore.HealthStore, context)
      expect(log.endsFailureStreaks).toBe(false)
      const teamspace = Fixtures.teamspace()
      const webhookId = Ids.makeWebhookId()
      const start = Fixtures.baseTime
      yield* health.recordFailure(teamspace, webhookId, start)
      yield* log.record(Fixtures.attempt({ teamspace, webhookId, eventId: Ids.makeEventId(), time: start + 1, successful: true }))
      expect(yield* health.recordFailure(teamspace, webhookId, start + 2)).toEqual({ failingSince: start, failures: 2 })
    }).pipe(Effect.scoped))

  it.live("an attempt is stored as its Schema encoding (it is written without one, see JsonCodec's trustedEncode)", () =>
    Effect.gen(function*() {
      const log = yield* AttemptLog.AttemptLog
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      const attempt = new Attempt.Attempt({
        ...Fixtures.attempt({ teamspace, webhookId: Ids.makeWebhookId(), eventId: Ids.makeEventId(), time: Date.now(), successful: false }),
        responseHeaders: { "retry-after": "120", "x-many": "a, b" },
        failureMessage: "no complete response within 15000 ms",
        nextAttemptAt: Date.now() + 5_000
      })
      yield* log.record(attempt)
      const stored = yield* Effect.promise(() => redis.hget(`${prefix}att:${teamspace}`, attempt.id))
      expect(JSON.parse(stored!)).toEqual(Schema.encodeSync(Attempt.Attempt)(attempt))
      expect(yield* log.list({ teamspace, limit: 10 })).toEqual([attempt])
    }).pipe(Effect.provide(Layer.provideMerge(RedisAttemptLog.layer(), client))))
})
