/**
 * Publishing events (Herald-native, shared by every profile).
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { strict, webhookId } from "../contract/ApiParams.js"
import { Authentication } from "../profiles/datagrid/Authentication.js"
import { firstInvalidItem, reported } from "../contract/InputIssues.js"
import { BadRequest, Conflict, NotFound, PayloadTooLarge } from "../profiles/datagrid/Errors.js"
import * as RateLimiting from "../edge/RateLimiting.js"
import * as Scopes from "../edge/Scopes.js"

/** The body of a publish: the event type, its data (a JSON object) and optionally your id for it. */
export const PublishEventRequestBody = Schema.Struct({
  event_type: Schema.String.annotations({ description: "The event type, e.g. `batch_prediction.completed`." }),
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
    ...firstInvalidItem,
    description:
      "The event's payload: a JSON object, delivered as the envelope's `data`. At most `HERALD_MAX_EVENT_DATA_BYTES` as JSON (256 KiB unless configured); larger is a 413."
  }),
  id: Schema.optional(Schema.String.annotations({
    description:
      "Your id for the event (1-128 of A-Z a-z 0-9 _ . -). Receivers use it as their idempotency key; publishing the same id again delivers nothing twice. Generated when absent."
  }))
}).annotations({ identifier: "PublishEventRequestBody", ...strict })

/**
 * The answer to a publish or a test send: the event, whether it was a duplicate, and how many
 * deliveries this request enqueued.
 */
export const PublishedEvent = Schema.Struct({
  object: Schema.Literal("event"),
  id: Schema.String,
  event_type: Schema.String,
  created_at: Schema.String.annotations({ description: "When the event was first published (ISO 8601)." }),
  duplicate: Schema.Boolean.annotations({
    description: "True when an event with this id had already been published; nothing new was delivered."
  }),
  deliveries: Schema.Int.annotations({
    description:
      "Deliveries this request enqueued. A fan-out to more subscriptions than one chunk (500) enqueues the first chunk here and the rest in the background."
  })
}).annotations({ identifier: "PublishedEvent" })

/**
 * The publishing routes (`events` group): `POST /v1/events` and a webhook's test send. Bearer
 * authentication, Datagrid error bodies; `EventsHandlers` implements them.
 */
export class Events extends HttpApiGroup.make("events")
  .add(
    HttpApiEndpoint.post("sendTest")`/v1/webhooks/${webhookId}/test`
      .addSuccess(PublishedEvent, { status: 202 })
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Send a test event")
      .annotate(
        OpenApi.Description,
        "Delivers a `webhook.test` event to this webhook only, whatever it subscribes to and even while disabled, signed like any delivery."
      )
  )
  .add(
    HttpApiEndpoint.post("publish", "/v1/events")
      .annotate(Scopes.Required, Scopes.publish)
      .annotate(RateLimiting.RouteLimit, RateLimiting.publishing)
      .setPayload(reported(PublishEventRequestBody))
      .addSuccess(PublishedEvent, { status: 202 })
      .addError(Conflict)
      .addError(PayloadTooLarge)
      .annotate(OpenApi.Summary, "Publish an event")
      .annotate(
        OpenApi.Description,
        "Stores the event and delivers it to every enabled webhook of your teamspace subscribed to its type."
      )
  )
  .addError(BadRequest)
  .middleware(Authentication)
  .annotate(Scopes.Required, Scopes.write)
  .annotate(OpenApi.Title, "Events")
{}
