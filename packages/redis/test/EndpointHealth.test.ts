// Endpoint health on the Redis stores, where a success's streak ends as its
// attempt is logged rather than through a reset of its own.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Option } from "effect"
import { AttemptLog, EndpointHealth, Ids, SubscriptionStore } from "@herald/core"
import { RedisLayer } from "@herald/redis"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useRedis } from "./RedisTestServer.js"

describe.skipIf(!available)(`EndpointHealth on Redis ${skipReason}`, () => {
  const { client } = useRedis()
  const layer = EndpointHealth.EndpointHealth.Default.pipe(
    Layer.provideMerge(Layer.mergeAll(RedisLayer.layer(), EndpointHealth.layer({ disableAfterMs: 0, minFailures: 3 }))),
    Layer.provide(client)
  )

  it.live("a logged success ends the failure streak: the webhook is disabled only after minFailures more", () =>
    Effect.gen(function*() {
      const health = yield* EndpointHealth.EndpointHealth
      const log = yield* AttemptLog.AttemptLog
      const subscriptions = yield* SubscriptionStore.SubscriptionStore
      const teamspace = Fixtures.teamspace()
      const hook = Fixtures.webhook({ teamspace })
      yield* subscriptions.insert(hook)
      const eventId = Ids.makeEventId()
      let time = Date.now()
      /** As the Dispatcher does: observe the attempt, then log it. */
      const attempt = (successful: boolean) =>
        Effect.gen(function*() {
          const at = time++
          const disabled = yield* health.observe(teamspace, hook.id, { successful, status: successful ? 200 : 500, at })
          yield* log.record(Fixtures.attempt({ teamspace, webhookId: hook.id, eventId, time: at, successful }))
          return disabled
        })
      const enabled = Effect.map(subscriptions.get(teamspace, hook.id), Option.exists((current) => current.enabled))

      expect([yield* attempt(false), yield* attempt(false), yield* attempt(true)]).toEqual([false, false, false])
      expect([yield* attempt(false), yield* attempt(false)]).toEqual([false, false])
      expect(yield* enabled).toBe(true)
      expect(yield* attempt(false)).toBe(true)
      expect(yield* enabled).toBe(false)
    }).pipe(Effect.provide(layer), Logger.withMinimumLogLevel(LogLevel.Error)))
})
