/**
 * Where deliveries start. A webhook that is `ordered` receives its events one
 * at a time, first in first out: the next event waits in the webhook's sequence
 * until the one before it succeeded or was given up, then it is enqueued. Other
 * webhooks' deliveries are enqueued at once and may overlap.
 *
 * Every step re-enqueues the head its store operation returns; the queue drops a
 * key already pending, so the step is idempotent and a crash between the store
 * and the queue is healed by the next step (the head is never stranded).
 *
 * With a recording `DeliveryLedger`, it is told before the queue: a redelivery
 * is owed again (`redeliver`) before it is expedited, and the deliveries a
 * sequence held get a due time (`release`) before they are enqueued, so that
 * the reconciler finds them once they no longer wait their turn. (`FanOut` owes
 * what `start` starts.)
 */
import { Clock, Effect, Option } from "effect"
import { DeliveryJob } from "./DeliveryJob.js"
import { DeliveryLedger } from "./DeliveryLedger.js"
import { DeliveryQueue } from "./DeliveryQueue.js"
import type { EventId, TeamspaceId, WebhookId } from "./Ids.js"
import { forEachDiscard } from "./internal/ForEach.js"
import { RetrySchedule } from "./RetrySchedule.js"
import { SequenceStore } from "./SequenceStore.js"
import type { Webhook } from "./Webhook.js"

/** A delivery to start: the webhook (whose `ordered` decides how) and the event. */
export interface Delivery {
  readonly webhook: Pick<Webhook, "id" | "ordered">
  readonly eventId: EventId
  /** The `traceparent` the delivery's job carries (`DeliveryJob.trace`); an ordered one's when it starts as its sequence's head. */
  readonly trace?: string | undefined
}

/**
 * Starts deliveries: `start` enqueues each delivery's first attempt, or, for an ordered webhook,
 * enters it into the webhook's sequence (only its head is enqueued); `redeliver` does the same
 * through `DeliveryQueue.expedite`; `settled` starts the next event after a head settles; `release`
 * and `discard` empty a sequence when the webhook stops being ordered or is removed.
 *
 * Needs the `DeliveryQueue` and `SequenceStore` ports (and the `DeliveryLedger`, `none` unless
 * provided) and `RetrySchedule`; `Herald.servicesLayer` and `Herald.workerServicesLayer` provide it.
 */
export class Sequencer extends Effect.Service<Sequencer>()("@herald/core/Sequencer", {
  effect: Effect.gen(function*() {
    const queue = yield* DeliveryQueue
    const sequences = yield* SequenceStore
    const schedule = yield* RetrySchedule
    const ledger = yield* DeliveryLedger
    const firstDelay = { delayMs: schedule.delays[0] ?? 0 }

    const firstAttempt = (teamspace: TeamspaceId, webhookId: WebhookId, eventId: EventId, trace?: string) =>
      new DeliveryJob({ teamspace, eventId, webhookId, attempt: 1, ...(trace === undefined ? {} : { trace }) })

    const enqueueHead = (teamspace: TeamspaceId, webhookId: WebhookId, head: Option.Option<EventId>, trace?: string) =>
      Option.match(head, {
        onNone: () => Effect.void,
        onSome: (eventId) => queue.enqueue([firstAttempt(teamspace, webhookId, eventId, trace)], firstDelay)
      })

    /**
     * Starts deliveries at attempt 1: at once, or behind what an ordered webhook
     * has waiting. `expedite` (a manual redelivery): a delivery still pending is
     * made due now instead of being left to its schedule; an ordered webhook's
     * only when it is the head of its sequence, since behind another event it
     * must wait its turn (the one-at-a-time guarantee).
     */
    const begin = (teamspace: TeamspaceId, deliveries: ReadonlyArray<Delivery>, expedite: boolean) =>
      Effect.gen(function*() {
        const waiting = new Map<WebhookId, Array<EventId>>()
        /** An ordered delivery that became its sequence's head joins its publish's trace too. */
        const traces = new Map<EventId, string>()
        for (const delivery of deliveries) {
          if (!delivery.webhook.ordered) continue
          if (delivery.trace !== undefined) traces.set(delivery.eventId, delivery.trace)
          const eventIds = waiting.get(delivery.webhook.id)
          if (eventIds === undefined) waiting.set(delivery.webhook.id, [delivery.eventId])
          else eventIds.push(delivery.eventId)
        }
        yield* forEachDiscard(
          [...waiting],
          ([webhookId, eventIds]) =>
            expedite
              ? Effect.flatMap(
                // The head before: none, and the event is head now, means it was not waiting. A job
                // of its still in flight is then an attempt that already moved the sequence on.
                Effect.zip(sequences.enter(teamspace, webhookId, []), sequences.enter(teamspace, webhookId, eventIds)),
                ([before, head]) =>
                  Option.isSome(head) && eventIds.includes(head.value)
                    ? queue.expedite([firstAttempt(teamspace, webhookId, head.value)], { again: Option.isNone(before) })
                    : enqueueHead(teamspace, webhookId, head, Option.getOrUndefined(Option.flatMapNullable(head, (id) => traces.get(id))))
              )
              : Effect.flatMap(
                sequences.enter(teamspace, webhookId, eventIds),
                (head) => enqueueHead(teamspace, webhookId, head, Option.getOrUndefined(Option.flatMapNullable(head, (id) => traces.get(id))))
              ),
          8
        )
        // After the sequences: a queue that fails here (Redis down) must not keep an ordered
        // delivery, owed already, out of its sequence, where nothing would find it again.
        const now = deliveries.filter((delivery) => !delivery.webhook.ordered)
          .map((delivery) => firstAttempt(teamspace, delivery.webhook.id, delivery.eventId, delivery.trace))
        if (now.length > 0) yield* expedite ? queue.expedite(now) : queue.enqueue(now, firstDelay)
      })

    const start = (teamspace: TeamspaceId, deliveries: ReadonlyArray<Delivery>) => begin(teamspace, deliveries, false)

    /**
     * Starts deliveries again now, for a manual redelivery (see `begin`), owed again first: due now,
     * an ordered webhook's with no due time (it waits its turn).
     */
    const redeliver = (teamspace: TeamspaceId, deliveries: ReadonlyArray<Delivery>) =>
      ledger.records
        ? Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.zipRight(
            ledger.redeliver(
              teamspace,
              deliveries.map(({ eventId, webhook }) => ({ eventId, webhookId: webhook.id, dueAt: webhook.ordered ? null : now })),
              now
            ),
            begin(teamspace, deliveries, true)
          ))
        : begin(teamspace, deliveries, true)

    /** With a recording ledger, gives a drained sequence's deliveries a due time, `delayMs` from now. */
    const released = (teamspace: TeamspaceId, webhookId: WebhookId, eventIds: ReadonlyArray<EventId>, delayMs: number) =>
      ledger.records && eventIds.length > 0
        ? Effect.flatMap(Clock.currentTimeMillis, (now) => ledger.release(teamspace, webhookId, eventIds, now + delayMs))
        : Effect.void

    /** An ordered webhook's delivery settled (delivered, given up or dropped): the next event's turn. */
    const settled = (job: DeliveryJob) =>
      Effect.flatMap(
        sequences.advance(job.teamspace, job.webhookId, job.eventId),
        (head) => enqueueHead(job.teamspace, job.webhookId, head)
      )

    /** The webhook stopped being ordered: everything it had waiting starts now. */
    const release = (teamspace: TeamspaceId, webhookId: WebhookId) =>
      Effect.flatMap(sequences.drain(teamspace, webhookId), (eventIds) =>
        eventIds.length === 0
          ? Effect.void
          : Effect.zipRight(
            released(teamspace, webhookId, eventIds, firstDelay.delayMs),
            queue.enqueue(eventIds.map((eventId) => firstAttempt(teamspace, webhookId, eventId)), firstDelay)
          ))

    /**
     * The webhook is gone: nothing it had waiting will be delivered. A recording ledger's rows of
     * them are made due now: the reconciler's jobs for them are dropped and settled (the webhook is
     * gone), rather than the rows staying owed for ever.
     */
    const discard = (teamspace: TeamspaceId, webhookId: WebhookId) =>
      Effect.flatMap(sequences.drain(teamspace, webhookId), (eventIds) => released(teamspace, webhookId, eventIds, 0))

    return { start, redeliver, settled, release, discard } as const
  })
}) {}
