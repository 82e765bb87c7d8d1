/**
 * Conformance suite for an `AttemptLog` that says `endsFailureStreaks`, beside the `HealthStore` of
 * the same store: a logged success ends its webhook's failure streak, whichever process recorded
 * the streak, and nothing else's; a failure, or another webhook's success, leaves it running.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Context, Effect, Layer } from "effect"
import { AttemptLog, HealthStore, Ids } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

/**
 * Registers the test under `name` (vitest `describe`). `worker` builds one process's attempt log
 * and health store over a connection of its own; the test builds it twice, as two workers.
 */
export const suite = (name: string, worker: Layer.Layer<AttemptLog.AttemptLog | HealthStore.HealthStore, unknown>) =>
  describe(name, () => {
    it.live("a logged success ends its webhook's failure streak, whichever process recorded the streak", () =>
      Effect.gen(function*() {
        const a = yield* Layer.build(worker)
        const b = yield* Layer.build(worker)
        type Worker = Context.Context<AttemptLog.AttemptLog | HealthStore.HealthStore>
        const logOf = (w: Worker) => Effect.provide(AttemptLog.AttemptLog, w)
        const healthOf = (w: Worker) => Effect.provide(HealthStore.HealthStore, w)
        expect((yield* logOf(a)).endsFailureStreaks).toBe(true)

        const teamspace = Fixtures.teamspace()
        const [failing, other] = [Ids.makeWebhookId(), Ids.makeWebhookId()]
        const eventId = Ids.makeEventId()
        let time = Date.now()
        const logged = (w: Worker, webhookId: Ids.WebhookId, successful: boolean) =>
          Effect.flatMap(logOf(w), (log) => log.record(Fixtures.attempt({ teamspace, webhookId, eventId, time: time++, successful })))
        const failure = (w: Worker, webhookId: Ids.WebhookId) =>
          Effect.flatMap(healthOf(w), (health) => health.recordFailure(teamspace, webhookId, time++))

        const start = time
        yield* failure(b, failing)
        yield* failure(b, other)
        // A failed attempt, and another webhook's success, leave the streak running.
        yield* logged(a, failing, false)
        yield* logged(a, other, true)
        expect(yield* failure(b, failing)).toEqual({ failingSince: start, failures: 2 })
        // Worker a's success ends the streak worker b recorded: b's next failure starts afresh.
        yield* logged(a, failing, true)
        const restart = time
        expect(yield* failure(b, failing)).toEqual({ failingSince: restart, failures: 1 })
        expect(yield* failure(b, other)).toEqual({ failingSince: restart + 1, failures: 1 })
        // And the success is logged like any attempt.
        const listed = yield* Effect.flatMap(logOf(b), (log) => log.list({ teamspace, webhookId: failing, limit: 10 }))
        expect(listed.map((attempt) => attempt.successful)).toEqual([true, false])
      }).pipe(Effect.scoped))
  })
