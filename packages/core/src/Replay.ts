/**
 * Replay: deliver an event again (to every subscription it was attempted for,
 * or one), and recover a webhook's deliveries that failed in a time window,
 * e.g. after the receiver's outage is over. Both send now, with the same event
 * id (the receiver's idempotency key), through `Sequencer.redeliver`, hence
 * `DeliveryQueue.expedite`; what "now" means depends on where the delivery is:
 *
 * - Settled (succeeded, or failed with no retry left): started again at attempt
 *   1, with the whole retry schedule ahead of it.
 * - Waiting for a retry: that retry is made now, as the attempt it was going to
 *   be (its number follows the failed one's, no gap), and the schedule
 *   goes on from it: if it fails, the next delay counts from now. Svix makes a
 *   manual retry an extra attempt that leaves the automatic schedule as it
 *   was; here the retry is moved rather than added, because one job per
 *   delivery is what keeps two attempts of it from ever running in parallel,
 *   and a moved retry cannot also fire later. The cost is one automatic retry per
 *   redelivery; a delivery that runs out of them is `failed`, and a later
 *   redeliver or recover starts it again from attempt 1, so nothing is lost.
 * - Being attempted right now: no second attempt beside it. If it fails, its
 *   retry is made at once instead of on the schedule (and if that was its last
 *   attempt, it starts again at attempt 1, at once; not for an ordered webhook,
 *   whose sequence has moved on by then); if it succeeds, nothing more is sent. The delivery asked for is happening as the request arrives,
 *   and receivers, who dedupe by event id (as Stripe's and Svix's docs tell
 *   them to), should not get a copy of what they just acknowledged. The attempt
 *   log shows that attempt's scheduled `nextAttemptAt`; the immediate retry's
 *   own row follows it within moments.
 * - An ordered webhook's event behind another one in its sequence waits its
 *   turn: its webhook still receives one event at a time. One redelivered just
 *   after its attempt moved the sequence on (the sequence was empty) heads it
 *   again, and is sent again once that attempt has settled (`expedite`'s
 *   `again`).
 * - A rate-limited webhook's delivery made due still takes a slot of its limit.
 *
 * With a recording `DeliveryLedger`, every delivery sent again is owed again
 * first (`Sequencer.redeliver` records it, `redelivered_at`), before the queue
 * hears of it: an attempt in flight that then gives up or moves its sequence on
 * keeps the row, so the re-run the queue makes of it stays owed.
 */
import { Effect, Option } from "effect"
import { AttemptLog } from "./AttemptLog.js"
import { EventNotFound, InvalidInput, WebhookNotFound } from "./Errors.js"
import { EventStore } from "./EventStore.js"
import { type AttemptId, type EventId, isEventId, isWebhookId, type TeamspaceId } from "./Ids.js"
import { Sequencer } from "./Sequencer.js"
import { SubscriptionStore } from "./SubscriptionStore.js"
import type { Webhook } from "./Webhook.js"

/** Attempts read to find an event's subscriptions, and per recover request. */
export const MAX_ATTEMPTS_SCANNED = 10_000
const PAGE = 500

/**
 * Sends deliveries again, as this module's header describes: `redeliver` an event to every webhook
 * it was attempted for, or to one (fails with `EventNotFound` or `WebhookNotFound`); `recover` a
 * webhook's deliveries that failed within a time window (fails with `WebhookNotFound`, or
 * `InvalidInput` for a bad window).
 *
 * Needs the `AttemptLog`, `EventStore` and `SubscriptionStore` ports and `Sequencer`; part of
 * `Herald.servicesLayer`.
 */
export class Replay extends Effect.Service<Replay>()("@herald/core/Replay", {
  effect: Effect.gen(function*() {
    const attempts = yield* AttemptLog
    const events = yield* EventStore
    const subscriptions = yield* SubscriptionStore
    const sequencer = yield* Sequencer

    const existingWebhook = (teamspace: TeamspaceId, id: string) =>
      Effect.gen(function*() {
        const found = isWebhookId(id) ? yield* subscriptions.get(teamspace, id) : Option.none()
        if (Option.isNone(found)) return yield* Effect.fail(new WebhookNotFound({ id }))
        return found.value
      })

    const enqueue = (teamspace: TeamspaceId, pairs: ReadonlyArray<readonly [EventId, Webhook]>) =>
      Effect.as(
        sequencer.redeliver(teamspace, pairs.map(([eventId, webhook]) => ({ eventId, webhook }))),
        pairs.length
      )

    /** Redelivers an event to one subscription, or to every one it was attempted for. */
    const redeliver = (teamspace: TeamspaceId, eventId: string, options: { readonly webhookId?: string | undefined }) =>
      Effect.gen(function*() {
        const event = isEventId(eventId) ? yield* events.get(teamspace, eventId) : Option.none()
        if (Option.isNone(event)) return yield* Effect.fail(new EventNotFound({ id: eventId }))
        if (options.webhookId !== undefined) {
          const webhook = yield* existingWebhook(teamspace, options.webhookId)
          return yield* enqueue(teamspace, [[event.value.id, webhook]])
        }
        const log = yield* attempts.list({ teamspace, eventId: event.value.id, limit: MAX_ATTEMPTS_SCANNED })
        const webhookIds = [...new Set(log.map((attempt) => attempt.webhookId))]
        // Webhooks deleted since their attempts have nothing to redeliver to.
        const webhooks = yield* Effect.forEach(webhookIds, (id) => subscriptions.get(teamspace, id), { concurrency: 8 })
        return yield* enqueue(teamspace, webhooks.flatMap((webhook) => Option.isSome(webhook) ? [[event.value.id, webhook.value] as const] : []))
      })

    /**
     * Sends again the deliveries to this webhook whose latest attempt, made in
     * [since, until), failed: those given up and those waiting for a retry.
     */
    const recover = (teamspace: TeamspaceId, webhookId: string, window: { readonly since: number; readonly until?: number | undefined }) =>
      Effect.gen(function*() {
        const webhook = yield* existingWebhook(teamspace, webhookId)
        const until = window.until ?? Number.MAX_SAFE_INTEGER
        if (!(window.since < until)) return yield* Effect.fail(InvalidInput.single(["until"], "until must be after since"))
        const latest = new Set<EventId>()
        const failed: Array<EventId> = []
        // The log is read newest first; an ordered webhook must get its events back in the order published.
        const enqueueOldestFirst = () => enqueue(teamspace, failed.toReversed().map((id) => [id, webhook] as const))
        let before: AttemptId | undefined
        for (let scanned = 0; scanned < MAX_ATTEMPTS_SCANNED;) {
          const page = yield* attempts.list({ teamspace, webhookId: webhook.id, before, limit: PAGE })
          for (const attempt of page) {
            if (attempt.attemptedAt < window.since) return yield* enqueueOldestFirst()
            // Newest first: the first attempt seen of an event is its latest.
            if (latest.has(attempt.eventId)) continue
            latest.add(attempt.eventId)
            if (attempt.attemptedAt < until && !attempt.successful) failed.push(attempt.eventId)
          }
          scanned += page.length
          if (page.length < PAGE) break
          before = page.at(-1)!.id
        }
        return yield* enqueueOldestFirst()
      })

    return { redeliver, recover } as const
  })
}) {}
