/** Domain objects -> Datagrid-style wire objects. */
import { type Attempt, type DeliveryLog, type Event, EventTypes, type Webhook as Domain } from "@herald/core"
import { Either } from "effect"
import type { Webhook } from "./Api.js"
import type { EventSummary, EventWithDeliveries, WebhookAttempt } from "../../native/DeliveriesApi.js"
import type { BatchEventResult, PublishedEvent } from "../../native/EventsApi.js"
import type { ErrorBody } from "./Errors.js"
import type { EventTypeObject } from "../../native/EventTypesApi.js"

const iso = (millis: number) => new Date(millis).toISOString()

/** A webhook in Datagrid's wire shape (no secret). */
export const webhook = (hook: Domain.Webhook): typeof Webhook.Type => ({
  object: "webhook",
  id: hook.id,
  url: hook.url,
  events: hook.events,
  enabled: hook.enabled,
  ...(hook.disabledReason === null ? {} : { disabled_reason: hook.disabledReason }),
  ...(hook.ordered ? { ordered: true as const } : {}),
  ...(hook.rateLimit === null ? {} : { rate_limit: hook.rateLimit }),
  created_at: iso(hook.createdAt),
  updated_at: iso(hook.updatedAt)
})

const isoOrNull = (millis: number | null) => millis === null ? null : iso(millis)

/** An attempt in the delivery log's wire shape. */
export const attempt = (row: Attempt.Attempt): typeof WebhookAttempt.Type => ({
  object: "webhook_attempt",
  id: row.id,
  webhook_id: row.webhookId,
  event_id: row.eventId,
  event_type: row.eventType,
  attempt: row.attempt,
  url: row.url,
  attempted_at: iso(row.attemptedAt),
  duration_ms: row.durationMs,
  successful: row.successful,
  response_status_code: row.responseStatus,
  response_headers: row.responseHeaders,
  response_body: row.responseBody,
  failure: row.failure,
  failure_message: row.failureMessage,
  next_attempt_at: isoOrNull(row.nextAttemptAt)
})

/** An event in the delivery log's wire shape. */
export const event = (event: Event.Event): typeof EventSummary.Type => ({
  object: "event",
  id: event.id,
  event_type: event.type,
  created_at: iso(event.createdAt),
  data: JSON.parse(event.dataJson)
})

/** An event and its deliveries in the delivery log's wire shape. */
export const eventWithDeliveries = (
  { deliveries, event: published }: DeliveryLog.EventWithDeliveries
): typeof EventWithDeliveries.Type => ({
  ...event(published),
  deliveries: deliveries.map((delivery) => ({
    webhook_id: delivery.webhookId,
    status: delivery.status,
    attempts: delivery.attempts,
    last_attempt_at: iso(delivery.lastAttemptAt),
    next_attempt_at: isoOrNull(delivery.nextAttemptAt)
  }))
})

/** A publish's outcome in its wire shape. */
export const publishedEvent = (
  event: Event.Event,
  outcome: { readonly duplicate: boolean; readonly deliveries: number }
): typeof PublishedEvent.Type => ({
  object: "event",
  id: event.id,
  event_type: event.type,
  created_at: iso(event.createdAt),
  duplicate: outcome.duplicate,
  deliveries: outcome.deliveries
})

/** A batch publish's result for one event: published (new or a duplicate), or refused with its error body. */
export const batchEventResult = (
  outcome: Either.Either<Event.Published, ErrorBody>
): typeof BatchEventResult.Type =>
  Either.match(outcome, {
    onLeft: (error) => ({ status: "rejected", error: { ...error } }),
    onRight: (published) => ({
      status: published.duplicate ? "duplicate" : "accepted",
      event: publishedEvent(published.event, published)
    })
  })

/** An event type of a teamspace's catalog in its wire shape, its schema and example parsed. */
export const eventType = (entry: EventTypes.CatalogEntry): typeof EventTypeObject.Type => ({
  object: "event_type",
  name: entry.name,
  profile: entry.profile,
  description: entry.description,
  schema: EventTypes.parsedOrNull(entry.schema),
  example: EventTypes.parsedOrNull(entry.example),
  archived: entry.archived,
  created_at: isoOrNull(entry.createdAt),
  updated_at: isoOrNull(entry.updatedAt)
})
