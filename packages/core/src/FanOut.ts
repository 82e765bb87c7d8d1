/**
 * Fan-out: turning an event into one delivery job per enabled matching
 * subscription, a chunk at a time. The publish request enqueues the first chunk
 * (so a small fan-out is done before it answers) and, when there are more
 * subscriptions, one `FanOutJob` that the worker continues from; a large
 * fan-out never holds the publish request.
 *
 * A step enqueues the next one first, at the front of the queue, then its own
 * chunk: a free worker slot starts the next step while this one is still
 * enqueueing, so a large fan-out is enqueued at the speed of its pages, not
 * behind the deliveries it has already enqueued. A step reads ids and the
 * `ordered` flag only (`activePage`), never the webhook records.
 */
import { Context, Effect, Option } from "effect"
import { type DeliveryOutcome, done, FanOutJob } from "./DeliveryJob.js"
import { DeliveryQueue } from "./DeliveryQueue.js"
import type { Event } from "./Event.js"
import { EventStore } from "./EventStore.js"
import type { WebhookId } from "./Ids.js"
import { Sequencer } from "./Sequencer.js"
import { SubscriptionStore } from "./SubscriptionStore.js"

/** Subscriptions per fan-out step (one queue round trip each). */
export class FanOutChunkSize extends Context.Reference<FanOutChunkSize>()("@herald/core/FanOutChunkSize", {
  defaultValue: () => 500
}) {}

export class FanOut extends Effect.Service<FanOut>()("@herald/core/FanOut", {
  effect: Effect.gen(function*() {
    const subscriptions = yield* SubscriptionStore
    const events = yield* EventStore
    const queue = yield* DeliveryQueue
    const sequencer = yield* Sequencer

    /** Enqueues the deliveries of the next chunk after `after`, and the next step if more remain. */
    const step = (event: Event, after?: WebhookId) =>
      Effect.gen(function*() {
        const size = yield* FanOutChunkSize
        const page = yield* subscriptions.activePage(event.teamspace, event.type, { after, limit: size + 1 })
        const chunk = page.slice(0, size)
        const last = chunk.at(-1)
        const more = page.length > size && last !== undefined
        // The next step first, and ahead of the deliveries already waiting: behind
        // them, it would wait for them, and a large fan-out would be enqueued no
        // faster than delivered.
        if (more) {
          yield* queue.enqueue([new FanOutJob({ teamspace: event.teamspace, eventId: event.id, after: last.id })], {
            front: true
          })
        }
        yield* sequencer.start(event.teamspace, chunk.map((webhook) => ({ webhook, eventId: event.id })))
        return { deliveries: chunk.length, more }
      })

    /** The worker's side: one continuation step. */
    const continueFrom = (task: FanOutJob): Effect.Effect<DeliveryOutcome> =>
      events.get(task.teamspace, task.eventId).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.logWarning("fan-out dropped: the event no longer exists").pipe(Effect.as(done)),
          onSome: (event) => Effect.as(step(event, task.after), done)
        }))
      )

    return { step, continueFrom } as const
  })
}) {}
