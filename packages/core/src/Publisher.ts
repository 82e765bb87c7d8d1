/**
 * Publishing: store the event once, then fan out one delivery job per enabled
 * matching subscription of the same teamspace, then mark it dispatched. A
 * repeated event id returns the stored event and delivers nothing again, so a
 * publisher may retry safely; if the first publish died before its fan-out was
 * marked done, the retry finishes it (the queue drops jobs still pending, so
 * nothing is sent twice but in that crash window).
 */
import { Clock, Effect, Option } from "effect"
import { DeliveryJob } from "./DeliveryJob.js"
import { DeliveryLedger } from "./DeliveryLedger.js"
import { DeliveryQueue } from "./DeliveryQueue.js"
import { EventConflict, EventDataTooLarge, InvalidInput, WebhookNotFound } from "./Errors.js"
import { Event, type PublishEvent, type Published } from "./Event.js"
import { EventLimits } from "./EventLimits.js"
import { EventStore } from "./EventStore.js"
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
 * `WebhookNotFound`). Validation fails with `InvalidInput` or `EventDataTooLarge`.
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
        if (appended._tag === "Exists") {
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
        }
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

    return { publish: traced, sendTest } as const
  })
}) {}
