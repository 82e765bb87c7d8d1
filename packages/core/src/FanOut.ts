/**
 * Fan-out: turning an event into one delivery job per enabled matching
 * subscription, a chunk at a time. The publish request enqueues the first chunk
 * (so a small fan-out is done before it answers) and, when there are more
 * subscriptions, one `FanOutJob` that the worker continues from; a large
 * fan-out never holds the publish request.
 *
 * A worker's step covers several chunks (`FanOutStepChunks`), enqueued side by
 * side with the next step, which goes to the front of the queue: a free worker
 * slot starts it while this one is still enqueueing. A large fan-out is then
 * enqueued at the speed of its pages, not behind the deliveries it has already
 * enqueued, nor one round trip at a time while the worker is busy delivering. A
 * step reads ids and the `ordered` flag only (`activePage`), never the webhook
 * records.
 *
 * With a recording `DeliveryLedger`, a step owes its deliveries before it
 * enqueues them, moving the fan-out's cursor by compare-and-set: a step that
 * loses (a repeated `FanOutJob`, a publish retried while the reconciler
 * continues the fan-out) enqueues nothing, so no delivery is owed twice and a
 * settled one is never started again. Ordered webhooks' deliveries are owed with
 * no due time: they wait their turn in the sequence.
 */
import { Clock, Context, Effect, Option } from "effect"
import { type DeliveryOutcome, done, FanOutJob } from "./DeliveryJob.js"
import { DeliveryLedger } from "./DeliveryLedger.js"
import { DeliveryQueue } from "./DeliveryQueue.js"
import type { Event } from "./Event.js"
import { type AppendResult, EventStore } from "./EventStore.js"
import { forEachDiscard } from "./internal/ForEach.js"
import type { WebhookId } from "./Ids.js"
import * as Metrics from "./Metrics.js"
import { RetrySchedule } from "./RetrySchedule.js"
import { Sequencer } from "./Sequencer.js"
import { type FanOutTarget, SubscriptionStore } from "./SubscriptionStore.js"
import * as Tracing from "./Tracing.js"

/** Subscriptions per chunk: one queue round trip each, and all the publish request enqueues. */
export class FanOutChunkSize extends Context.Reference<FanOutChunkSize>()("@herald/core/FanOutChunkSize", {
  defaultValue: () => 500
}) {}

/**
 * Chunks per step of the worker: one page read, the chunks enqueued at once.
 * Every step costs a few waits for the worker's event loop, busy delivering
 * what the fan-out has enqueued so far, so fewer, larger steps finish sooner.
 */
export class FanOutStepChunks extends Context.Reference<FanOutStepChunks>()("@herald/core/FanOutStepChunks", {
  defaultValue: () => 20
}) {}

/** What a fan-out's steps pass on to the next: the deliveries owed so far (when known) and the publish's trace. */
interface Carried {
  readonly owed?: number | undefined
  readonly trace?: string | undefined
}

/**
 * A step's page (read with one target more than the step's `span`) as the step's targets, and where
 * the next step goes on from when more remain: after the last target.
 */
const split = (page: ReadonlyArray<FanOutTarget>, span: number) => {
  const targets = page.slice(0, span)
  const last = targets.at(-1)
  return { targets, next: page.length > span && last !== undefined ? Option.some(last.id) : Option.none<WebhookId>() }
}

/**
 * Turns a published event into delivery jobs, a chunk of matching enabled subscriptions at a time:
 * `step` enqueues one chunk (the publish request's part) and a `FanOutJob` when more remain;
 * `continueFrom` runs such a job in the worker. Ordered webhooks' deliveries go through the
 * `Sequencer`.
 *
 * Needs the `SubscriptionStore`, `EventStore` and `DeliveryQueue` ports (and the `DeliveryLedger`,
 * `none` unless provided), `RetrySchedule` and `Sequencer`; part of `Herald.servicesLayer` and
 * `Herald.workerServicesLayer`.
 */
export class FanOut extends Effect.Service<FanOut>()("@herald/core/FanOut", {
  effect: Effect.gen(function*() {
    const subscriptions = yield* SubscriptionStore
    const events = yield* EventStore
    const queue = yield* DeliveryQueue
    const sequencer = yield* Sequencer
    const ledger = yield* DeliveryLedger
    const schedule = yield* RetrySchedule
    const firstDelayMs = schedule.delays[0] ?? 0
    const metrics = yield* Metrics.Enabled

    /**
     * Enqueues the deliveries of `targets` in chunks, and, when `next` is some (more remain after
     * it), the step that goes on from there. `carried`: what the steps before passed on; the
     * fan-out's size is observed at its last step.
     */
    const enqueue = (
      event: Event,
      targets: ReadonlyArray<FanOutTarget>,
      next: Option.Option<WebhookId>,
      size: number,
      carried: Carried
    ) => {
      const owed = carried.owed === undefined ? undefined : carried.owed + targets.length
      const { trace } = carried
      const parts = Array.from(
        { length: Math.ceil(targets.length / size) },
        (_, i) => targets.slice(i * size, (i + 1) * size)
      )
      const enqueues = [
        // The next step goes ahead of the deliveries already waiting: behind them,
        // it would wait for them, and a large fan-out would be enqueued no faster
        // than delivered. It is enqueued alongside this step's chunks, not before
        // them: each costs the step a wait for a busy worker's event loop.
        ...Option.match(next, {
          onNone: () => [],
          onSome: (after) => [
            queue.enqueue([
              new FanOutJob({
                teamspace: event.teamspace,
                eventId: event.id,
                after,
                ...(owed === undefined ? {} : { owed }),
                ...(trace === undefined ? {} : { trace })
              })
            ], { front: true })
          ]
        }),
        ...parts.map((part) => sequencer.start(event.teamspace, part.map((webhook) => ({ webhook, eventId: event.id, trace }))))
      ]
      // A publish's step (one chunk, usually no next step) runs its enqueue in this fiber.
      const enqueued = forEachDiscard(enqueues, (enqueue) => enqueue, "unbounded")
      // Observed once the last step's enqueues are done: a step that failed is run again.
      return metrics && owed !== undefined && Option.isNone(next)
        ? Effect.tap(enqueued, () => Effect.sync(() => Metrics.fanOutSize({}, owed)))
        : enqueued
    }

    /**
     * Enqueues the deliveries of the next `chunks` chunks after `after`, and the
     * next step if more remain. The publish request's step is one chunk. With a
     * recording ledger, owes them first; a step that loses the ledger's
     * compare-and-set enqueues nothing and reports no deliveries.
     */
    const step = (event: Event, after?: WebhookId, chunks = 1, carried?: Carried) =>
      Effect.gen(function*() {
        // A first step (the publish's) starts the count, and its deliveries join the current trace.
        const passed = carried ?? (after === undefined ? { owed: 0, trace: yield* Tracing.currentTraceparent } : {})
        const size = yield* FanOutChunkSize
        const span = size * Math.max(1, chunks)
        const page = yield* subscriptions.activePage(event.teamspace, event.type, { after, limit: span + 1 })
        const { targets, next } = split(page, span)
        if (ledger.records) {
          const dueAt = (yield* Clock.currentTimeMillis) + firstDelayMs
          const won = yield* ledger.owe(
            event,
            targets.map((webhook) => ({ webhookId: webhook.id, dueAt: webhook.ordered ? null : dueAt })),
            Option.fromNullable(after),
            next
          )
          if (!won) return { deliveries: 0, more: false }
        }
        yield* enqueue(event, targets, next, size, passed)
        return { deliveries: targets.length, more: Option.isSome(next) }
      })

    /**
     * A publish's store and first step: the event appended and, when new, its first chunk owed
     * and enqueued. With an event store that owes the first chunk in its append
     * (`EventStore.appendOwing`, beside a recording ledger) that is one write; with one that reads
     * the first page in its append (`EventStore.appendReading`, no recording ledger), one round
     * trip before the enqueue; otherwise the append, then `step`. `appended` says which the event
     * was; an event that `Exists` got no step.
     */
    const publishStep = (event: Event): Effect.Effect<{ readonly appended: AppendResult; readonly deliveries: number }> =>
      Effect.gen(function*() {
        const size = Math.max(1, yield* FanOutChunkSize)
        if (ledger.records && events.appendOwing !== undefined) {
          const dueAt = (yield* Clock.currentTimeMillis) + firstDelayMs
          const result = yield* events.appendOwing(event, { limit: size, dueAt })
          if (result._tag === "Exists") return { appended: result, deliveries: 0 }
          return yield* enqueueFirst(event, result.page, size)
        }
        if (!ledger.records && events.appendReading !== undefined) {
          const result = yield* events.appendReading(event, { limit: size })
          if (result._tag === "Exists") return { appended: result, deliveries: 0 }
          const page = result.page ??
            (yield* subscriptions.activePage(event.teamspace, event.type, { limit: size + 1 }))
          return yield* enqueueFirst(event, page, size)
        }
        const appended = yield* events.append(event)
        if (appended._tag === "Exists") return { appended, deliveries: 0 }
        return { appended, deliveries: (yield* step(event)).deliveries }
      })

    /** A new event's first chunk (of a page read with one target more than `size`) enqueued. */
    const enqueueFirst = (event: Event, page: ReadonlyArray<FanOutTarget>, size: number) =>
      Effect.gen(function*() {
        const { next, targets } = split(page, size)
        yield* enqueue(event, targets, next, size, { owed: 0, trace: yield* Tracing.currentTraceparent })
        return { appended: { _tag: "Appended" } as const, deliveries: targets.length }
      })

    /**
     * `publishStep` for a batch of events of one teamspace (distinct ids): one `appendAll`, one
     * page read per event type, and the new events' first chunks enqueued together (with a
     * `FanOutJob` for each whose fan-out goes on). A recording ledger owes the events' chunks
     * first, in one `oweAll` (its compare-and-set is per event). A result per event, in order.
     */
    const publishBatchStep = (batch: ReadonlyArray<Event>) =>
      Effect.gen(function*() {
        const appended = yield* events.appendAll(batch)
        const fresh = batch.filter((_, index) => appended[index]?._tag === "Appended")
        const size = Math.max(1, yield* FanOutChunkSize)
        const pages = new Map<string, ReadonlyArray<FanOutTarget>>()
        for (const type of new Set(fresh.map((event) => event.type))) {
          pages.set(type, yield* subscriptions.activePage(fresh[0]!.teamspace, type, { limit: size + 1 }))
        }
        const dueAt = (yield* Clock.currentTimeMillis) + firstDelayMs
        const trace = yield* Tracing.currentTraceparent
        const planned = fresh.map((event) => ({ event, ...split(pages.get(event.type) ?? [], size) }))
        const won = ledger.records
          ? yield* ledger.oweAll(planned.map(({ event, next, targets }) => ({
            event,
            targets: targets.map((webhook) => ({ webhookId: webhook.id, dueAt: webhook.ordered ? null : dueAt })),
            from: Option.none(),
            to: next
          })))
          : undefined
        const steps = won === undefined ? planned : planned.filter((_, index) => won[index] === true)
        const deliveries = steps.flatMap(({ event, targets }) => targets.map((webhook) => ({ webhook, eventId: event.id, trace })))
        const continuations = steps.flatMap(({ event, next, targets }) =>
          Option.isSome(next)
            ? [new FanOutJob({ teamspace: event.teamspace, eventId: event.id, after: next.value, owed: targets.length, ...(trace === undefined ? {} : { trace }) })]
            : []
        )
        const parts = Array.from({ length: Math.ceil(deliveries.length / size) }, (_, i) => deliveries.slice(i * size, (i + 1) * size))
        yield* forEachDiscard(
          [
            ...(continuations.length === 0 ? [] : [queue.enqueue(continuations, { front: true })]),
            ...parts.map((part) => sequencer.start(fresh[0]!.teamspace, part))
          ],
          (enqueue) => enqueue,
          "unbounded"
        )
        if (metrics) for (const { next, targets } of steps) if (Option.isNone(next)) Metrics.fanOutSize({}, targets.length)
        const counted = new Map(steps.map(({ event, targets }) => [event.id, targets.length]))
        return batch.map((event, index) => ({ appended: appended[index]!, deliveries: counted.get(event.id) ?? 0 }))
      })

    /** The worker's side: one continuation step. */
    const continueFrom = (task: FanOutJob): Effect.Effect<DeliveryOutcome> =>
      Effect.flatMap(FanOutStepChunks, (chunks) =>
        events.get(task.teamspace, task.eventId).pipe(
          Effect.flatMap(Option.match({
            onNone: () =>
              Effect.logWarning("fan-out dropped: the event no longer exists").pipe(
                Effect.annotateLogs(task.logAnnotations),
                Effect.as(done)
              ),
            onSome: (event) => Effect.as(step(event, task.after, chunks, { owed: task.owed, trace: task.trace }), done)
          }))
        ))

    return { step, publishStep, publishBatchStep, continueFrom } as const
  })
}) {}
