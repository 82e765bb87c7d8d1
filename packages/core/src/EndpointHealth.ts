/**
 * Endpoint health: a webhook whose deliveries have failed without a break for
 * the whole window (and at least a minimum number of times) is disabled, with
 * a reason; an endpoint that answers 410 Gone is disabled at once. Any success
 * ends the streak; re-enabling the webhook starts a fresh one.
 *
 * Streaks are shared by every worker process (they live in the `HealthStore`),
 * so a success seen by one worker ends a streak another recorded. That costs a
 * write per successful delivery, which is almost every delivery: where the
 * `AttemptLog` ends the streak as it logs the success (one write for both), the
 * success is not reset here.
 */
import { Context, Effect, Layer, Option } from "effect"
import { AttemptLog } from "./AttemptLog.js"
import * as Metrics from "./Metrics.js"
import { HealthStore } from "./HealthStore.js"
import type { TeamspaceId, WebhookId } from "./Ids.js"
import { SubscriptionStore } from "./SubscriptionStore.js"
import { Webhook } from "./Webhook.js"

/**
 * When a failing endpoint's webhook is disabled: after failing for `disableAfterMs` and at least
 * `minFailures` attempts, without a success.
 */
export interface HealthPolicyShape {
  /** How long a webhook may fail without a success before it is disabled. */
  readonly disableAfterMs: number
  /** Failed attempts needed as well, so a single slow retry cannot disable it. */
  readonly minFailures: number
}

/**
 * The endpoint health policy service, read by `EndpointHealth`. Provide it with `layer`, or through
 * `Herald.settingsLayer` (`health`).
 */
export class HealthPolicy extends Context.Tag("@herald/core/HealthPolicy")<HealthPolicy, HealthPolicyShape>() {}

/** The policy used for any field not given: disable after 5 days and 10 failed attempts without a success. */
export const defaults: HealthPolicyShape = { disableAfterMs: 5 * 86_400_000, minFailures: 10 }

/** Provides `HealthPolicy`: the given fields over `defaults`. */
export const layer = (policy: Partial<HealthPolicyShape> = {}): Layer.Layer<HealthPolicy> =>
  Layer.succeed(HealthPolicy, { ...defaults, ...policy })

/** The reason recorded on a webhook disabled because its endpoint answered 410 Gone. */
export const goneReason = "the endpoint answered 410 Gone"

/**
 * Observes each attempt's outcome for its webhook (`observe`, which says whether it disabled the
 * webhook) and ends a failure streak (`reset`, e.g. when a webhook is re-enabled). Disables a
 * webhook with a reason when the `HealthPolicy` says so, or at once on a 410.
 *
 * Used by the `Dispatcher` and `Webhooks`; needs the `HealthStore`, `SubscriptionStore` and
 * `AttemptLog` ports and `HealthPolicy`.
 */
export class EndpointHealth extends Effect.Service<EndpointHealth>()("@herald/core/EndpointHealth", {
  effect: Effect.gen(function*() {
    const health = yield* HealthStore
    const subscriptions = yield* SubscriptionStore
    const policy = yield* HealthPolicy
    const attempts = yield* AttemptLog
    const successEndsStreak = attempts.endsFailureStreaks === true
    const metrics = yield* Metrics.Enabled

    const disable = (teamspace: TeamspaceId, id: WebhookId, reason: string, at: number) =>
      Effect.gen(function*() {
        const current = yield* subscriptions.get(teamspace, id)
        if (Option.isNone(current) || !current.value.enabled) return
        yield* subscriptions.update(
          new Webhook({ ...current.value, enabled: false, disabledReason: reason, updatedAt: Math.max(at, current.value.updatedAt) })
        )
        if (metrics) Metrics.endpointDisabled({ reason: reason === goneReason ? "gone" : "failing" })
        yield* Effect.logWarning(`webhook disabled: ${reason}`).pipe(Effect.annotateLogs({ webhookId: id }))
      })

    const notDisabled = Effect.succeed(false)

    const observeFailure = (
      teamspace: TeamspaceId,
      id: WebhookId,
      outcome: { readonly status: number | null; readonly at: number }
    ): Effect.Effect<boolean> =>
      Effect.gen(function*() {
        if (outcome.status === 410) {
          yield* disable(teamspace, id, goneReason, outcome.at)
          return true
        }
        const streak = yield* health.recordFailure(teamspace, id, outcome.at)
        if (outcome.at - streak.failingSince < policy.disableAfterMs || streak.failures < policy.minFailures) return false
        yield* disable(
          teamspace,
          id,
          `deliveries failed without a success since ${new Date(streak.failingSince).toISOString()} (${streak.failures} attempts)`,
          outcome.at
        )
        return true
      })

    /**
     * What an attempt says about the endpoint. Returns whether the webhook was
     * disabled. The caller logs every attempt it observes, after observing it
     * (the log says whether a next attempt comes).
     */
    const observe = (
      teamspace: TeamspaceId,
      id: WebhookId,
      outcome: { readonly successful: boolean; readonly status: number | null; readonly at: number }
    ): Effect.Effect<boolean> =>
      outcome.successful
        ? successEndsStreak ? notDisabled : Effect.as(health.reset(teamspace, id), false)
        : observeFailure(teamspace, id, outcome)

    return { observe, reset: health.reset } as const
  })
}) {}
