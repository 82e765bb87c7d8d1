/**
 * Publishing: store the event once, then fan out one delivery job per enabled
 * matching subscription of the same teamspace, then mark it dispatched. A
 * repeated event id returns the stored event and delivers nothing again, so a
 * publisher may retry safely; if the first publish died before its fan-out was
 * marked done, the retry finishes it (the queue drops jobs still pending, so
 * nothing is sent twice but in that crash window).
 */
import { Clock, Effect, Either, Option } from "effect"
import { DeliveryJob } from "./DeliveryJob.js"
import { DeliveryLedger } from "./DeliveryLedger.js"
import { DeliveryQueue } from "./DeliveryQueue.js"
import { EventConflict, EventDataTooLarge, InvalidInput, WebhookNotFound } from "./Errors.js"
import { Event, type PublishEvent, type Published } from "./Event.js"
import { EventLimits } from "./EventLimits.js"
import { type AppendResult, EventStore } from "./EventStore.js"
import { TEST_EVENT_TYPE } from "./EventType.js"
import { describeRefused, EventTypes, type TeamspaceCatalog } from "./EventTypes.js"
import { refusal } from "./EventSchemas.js"
import { FanOut } from "./FanOut.js"
import { type EventId, isEventId, isWebhookId, makeEventId, type TeamspaceId } from "./Ids.js"
import * as Metrics from "./Metrics.js"
import * as Tracing from "./Tracing.js"
import { SubscriptionStore } from "./SubscriptionStore.js"
import * as WellFormedText from "./WellFormedText.js"
import { isPlainObject } from "./internal/Json.js"

/**
 * Publishes events: `publish` validates an event (known type, object data within `EventLimits`,
 * well-formed text), stores it once and fans it out to the teamspace's matching enabled webhooks; a
 * repeated id returns the stored event (`duplicate`), and a repeated id with other content fails
 * with `EventConflict`. `sendTest` sends one test event to one webhook (fails with
 * `WebhookNotFound`). Validation fails with `InvalidInput` or `EventDataTooLarge`. `publishBatch`
 * publishes several events with one write of each store and one enqueue, a result per event.
 *
 * Needs the `EventStore`, `SubscriptionStore` and `DeliveryQueue` ports (and the `DeliveryLedger`,
 * `none` unless provided), `EventCatalog` and `FanOut`; part of `Herald.servicesLayer`. The HTTP API's publish route and an embedding
 * application both call it.
 */
export class Publisher extends Effect.Service<Publisher>()("@herald/core/Publisher", {
  effect: Effect.gen(function*() {
    const events = yield* EventStore
    const eventTypes = yield* EventTypes
    const fanOut = yield* FanOut
    const metrics = yield* Metrics.Enabled
    if (metrics) Metrics.initializeProcess()
    const subscriptions = yield* SubscriptionStore
    const queue = yield* DeliveryQueue
    const ledger = yield* DeliveryLedger
    const { maxDataBytes } = yield* EventLimits

    /**
     * The fan-out's first step is done: the event store records it. Not with a recording ledger,
     * whose compare-and-set already keeps the fan-out's cursor (the step that owed the last target
     * removed it; a step that loses enqueues nothing), so a repeated publish's step owes nothing
     * twice: a statement saved per publish.
     */
    const fannedOut = (teamspace: TeamspaceId, id: EventId) =>
      ledger.records ? Effect.void : events.markDispatched(teamspace, id)

    const check = (catalog: TeamspaceCatalog, input: PublishEvent): Effect.Effect<string, InvalidInput | EventDataTooLarge> => {
      if (!catalog.publishable.has(input.type)) {
        return Effect.fail(InvalidInput.single(["event_type"], describeRefused(catalog, input.type)))
      }
      if (!isPlainObject(input.data)) return Effect.fail(InvalidInput.single(["data"], "data must be a JSON object"))
      if (input.id !== undefined && !isEventId(input.id)) {
        return Effect.fail(
          InvalidInput.single(["id"], "id must be 1-128 characters of A-Z a-z 0-9 _ . - starting with a letter or digit")
        )
      }
      const dataJson = JSON.stringify(input.data)
      const sizeBytes = Buffer.byteLength(dataJson, "utf8")
      if (sizeBytes > maxDataBytes) return Effect.fail(new EventDataTooLarge({ sizeBytes, limitBytes: maxDataBytes }))
      const illFormed = WellFormedText.checkJson(input.data, dataJson, ["data"])
      if (illFormed !== undefined) return Effect.fail(illFormed)
      return Effect.flatMap(
        catalog.check(input.type, input.data),
        (mismatches) => mismatches.length === 0 ? Effect.succeed(dataJson) : Effect.fail(refusal(["data"], mismatches))
      )
    }

    /** The event's data as JSON, when its type is in the teamspace's catalog and the data fits its limits and schema. */
    const validate = (teamspace: TeamspaceId, input: PublishEvent) =>
      Effect.flatMap(eventTypes.catalog(teamspace, (catalog) => catalog.publishable.has(input.type)), (catalog) => check(catalog, input))

    /**
     * A publish of an id already stored: the stored event as a duplicate, after finishing its
     * fan-out if the publish that stored it stopped before; `EventConflict` when its content differs.
     */
    const republished = (event: Event, appended: Extract<AppendResult, { readonly _tag: "Exists" }>) =>
      Effect.gen(function*() {
        const { dispatched, existing } = appended
        if (existing.type !== event.type || existing.dataJson !== event.dataJson) {
          return yield* Effect.fail(new EventConflict({ id: event.id }))
        }
        if (dispatched) return { event: existing, duplicate: true, deliveries: 0 } satisfies Published
        const finished = yield* fanOut.step(existing)
        // The publish that stored it stopped before its fan-out, so before counting it.
        if (metrics) Metrics.published()
        yield* fannedOut(existing.teamspace, existing.id)
        yield* Effect.logInfo("finished the fan-out of a previously stored event").pipe(
          Effect.annotateLogs({ eventId: existing.id, deliveries: finished.deliveries })
        )
        return { event: existing, duplicate: true, deliveries: finished.deliveries } satisfies Published
      })

    const publish = (teamspace: TeamspaceId, input: PublishEvent) =>
      Effect.gen(function*() {
        const dataJson = yield* validate(teamspace, input)
        const now = yield* Clock.currentTimeMillis
        const event = new Event({
          id: (input.id as EventId | undefined) ?? makeEventId(now),
          teamspace,
          type: input.type,
          dataJson,
          createdAt: now
        })
        // Stored, and when new its first chunk owed and enqueued (the rest, if any, by the worker
        // from the FanOutJob this enqueues).
        const { appended, deliveries } = yield* fanOut.publishStep(event)
        if (appended._tag === "Exists") return yield* republished(event, appended)
        if (metrics) Metrics.published()
        yield* fannedOut(event.teamspace, event.id)
        // Built only when debug logging is on: annotating a filtered-out line cost a
        // publish about 27 Effect operations (of 447 through the API).
        yield* Effect.whenLogLevel(
          Effect.annotateLogs(Effect.logDebug("event published"), { eventId: event.id, eventType: event.type, deliveries }),
          "Debug"
        )
        return { event, duplicate: false, deliveries } satisfies Published
      })

    /**
     * Publishes a batch: each event validated on its own, the valid ones stored, their first
     * chunks enqueued and their fan-outs marked done together (`FanOut.publishBatchStep`, one
     * `markDispatchedAll`). An id repeated within the batch is stored once; its later
     * occurrences are duplicates of it (or `EventConflict` with other content). A result per
     * event, in order; a failure of the stores is a defect, as for `publish`.
     */
    const publishBatch = (teamspace: TeamspaceId, inputs: ReadonlyArray<PublishEvent>) =>
      Effect.gen(function*() {
        const catalog = yield* eventTypes.catalog(teamspace, (catalog) => inputs.every((input) => catalog.publishable.has(input.type)))
        const now = yield* Clock.currentTimeMillis
        const checked = yield* Effect.forEach(inputs, (input) => Effect.either(check(catalog, input)))
        const built = checked.map((dataJson, index) =>
          Either.map(dataJson, (dataJson) =>
            new Event({
              id: (inputs[index]!.id as EventId | undefined) ?? makeEventId(now),
              teamspace,
              type: inputs[index]!.type,
              dataJson,
              createdAt: now
            }))
        )
        // The first occurrence of each id is the one stored.
        const firsts = new Map<EventId, Event>()
        for (const event of built) if (Either.isRight(event) && !firsts.has(event.right.id)) firsts.set(event.right.id, event.right)
        const stored = [...firsts.values()]
        const stepped = stored.length === 0 ? [] : yield* fanOut.publishBatchStep(stored)
        const steps = new Map(stored.map((event, index) => [event.id, stepped[index]!]))
        const settled = new Map<EventId, Either.Either<Published, EventConflict>>()
        for (const [id, { appended, deliveries }] of steps) {
          const event = firsts.get(id)!
          settled.set(
            id,
            appended._tag === "Exists"
              ? yield* Effect.either(republished(event, appended))
              : Either.right({ event, duplicate: false, deliveries })
          )
        }
        const fresh = [...steps].filter(([, step]) => step.appended._tag === "Appended").map(([id]) => id)
        if (metrics) fresh.forEach(() => Metrics.published())
        if (!ledger.records && fresh.length > 0) yield* events.markDispatchedAll(teamspace, fresh)
        const seen = new Set<EventId>()
        return built.map((event): Either.Either<Published, InvalidInput | EventDataTooLarge | EventConflict> => {
          if (Either.isLeft(event)) return Either.left(event.left)
          const { id } = event.right
          const outcome = settled.get(id)!
          if (!seen.has(id)) {
            seen.add(id)
            return outcome
          }
          // A later occurrence in the batch: a duplicate of what the first one stored.
          const original = Either.isRight(outcome) ? outcome.right.event : firsts.get(id)!
          return original.type === event.right.type && original.dataJson === event.right.dataJson
            ? Either.right({ event: original, duplicate: true, deliveries: 0 })
            : Either.left(new EventConflict({ id }))
        })
      })

    /**
     * Sends a `webhook.test` event to one webhook, whatever it subscribes to: owed like a fan-out's
     * delivery (the whole fan-out one step) before it is enqueued.
     */
    const sendTest = (teamspace: TeamspaceId, webhookId: string) =>
      Effect.gen(function*() {
        const webhook = isWebhookId(webhookId) ? yield* subscriptions.get(teamspace, webhookId) : Option.none()
        if (Option.isNone(webhook)) return yield* Effect.fail(new WebhookNotFound({ id: webhookId }))
        const now = yield* Clock.currentTimeMillis
        const event = new Event({
          id: makeEventId(now),
          teamspace,
          type: TEST_EVENT_TYPE,
          dataJson: JSON.stringify({ webhook_id: webhook.value.id, message: "This is a test event from Herald." }),
          createdAt: now
        })
        yield* events.append(event)
        const trace = yield* Tracing.currentTraceparent
        // A fresh event's first step: it wins unless the event id was already taken.
        const owed = !ledger.records ||
          (yield* ledger.owe(event, [{ webhookId: webhook.value.id, dueAt: now }], Option.none(), Option.none()))
        if (owed) {
          yield* queue.enqueue(
            [
              new DeliveryJob({
                teamspace,
                eventId: event.id,
                webhookId: webhook.value.id,
                attempt: 1,
                ...(trace === undefined ? {} : { trace })
              })
            ],
            { delayMs: 0 }
          )
        }
        yield* fannedOut(teamspace, event.id)
        return event
      })

    /**
     * A publish in a span of its own when a tracer is installed (the deliveries' spans are its
     * children, through their jobs' `trace`); without one, nothing is opened.
     */
    const traced = (teamspace: TeamspaceId, input: PublishEvent) =>
      Effect.tracerWith((tracer) =>
        Tracing.isInstalled(tracer)
          ? publish(teamspace, input).pipe(
            Effect.tap((published) =>
              Effect.annotateCurrentSpan({
                "herald.event_id": published.event.id,
                "herald.event_type": published.event.type,
                "herald.deliveries": published.deliveries,
                "herald.duplicate": published.duplicate
              })
            ),
            Effect.withSpan("Publisher.publish", { captureStackTrace: false, attributes: { "herald.teamspace": teamspace } })
          )
          : publish(teamspace, input)
      )

    return { publish: traced, publishBatch, sendTest } as const
  })
}) {}
