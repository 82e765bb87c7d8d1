/**
 * Publishing events (Herald-native, shared by every profile).
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { strict, webhookId } from "../contract/ApiParams.js"
import { Authentication } from "../profiles/datagrid/Authentication.js"
import { firstInvalidItem, reported } from "../contract/InputIssues.js"
import { BadRequest, Conflict, ErrorBodySchema, NotFound, PayloadTooLarge } from "../profiles/datagrid/Errors.js"
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

/** The most events one batch publish takes. */
export const MAX_BATCH_EVENTS = 500

/**
 * The body of a batch publish: the events, each as the body of a single publish. Each is checked on
 * its own (an invalid one is refused in its result, not the whole batch), so the list takes any
 * values here; the document still shows each as a `PublishEventRequestBody`.
 */
export const PublishBatchRequestBody = Schema.Struct({
  events: Schema.Array(Schema.Unknown.annotations({
    jsonSchema: { $ref: "#/components/schemas/PublishEventRequestBody" }
  })).annotations(firstInvalidItem).pipe(Schema.minItems(1), Schema.maxItems(MAX_BATCH_EVENTS)).annotations({
    description:
      `The events, 1 to ${MAX_BATCH_EVENTS} (within the request body limit, \`HERALD_MAX_BODY_BYTES\`), each as the body of \`POST /v1/events\`.`
  })
}).annotations({ identifier: "PublishBatchRequestBody", ...strict })

/** One event's result in a batch: published (new or a duplicate), or refused with its error. */
export const BatchEventResult = Schema.Union(
  Schema.Struct({
    status: Schema.Literal("accepted", "duplicate").annotations({
      description: "`accepted`: stored and delivered (`event.deliveries`); `duplicate`: an event with this id was already published, nothing new was delivered."
    }),
    event: PublishedEvent
  }),
  Schema.Struct({
    status: Schema.Literal("rejected").annotations({ description: "Refused: nothing was stored or delivered for it." }),
    error: ErrorBodySchema.annotations({
      description:
        "Why, as the single publish's error body would say (its `status_code` the status that publish would answer); a field is named with its index, e.g. `events[3].event_type`."
    })
  })
).annotations({ identifier: "BatchEventResult" })

/** The answer to a batch publish: a result per event, in the request's order. */
export const PublishedBatch = Schema.Struct({
  object: Schema.Literal("batch"),
  results: Schema.Array(BatchEventResult).annotations({ description: "A result per event, in the request's order." })
}).annotations({ identifier: "PublishedBatch" })

/**
 * The publishing routes (`events` group): `POST /v1/events`, `POST /v1/events/batch` and a webhook's test send. Bearer
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
  .add(
    HttpApiEndpoint.post("publishBatch", "/v1/events/batch")
      .annotate(Scopes.Required, Scopes.publish)
      .annotate(RateLimiting.RouteLimit, RateLimiting.publishing)
      .annotate(RateLimiting.RequestCost, RateLimiting.listLength("events"))
      .setPayload(reported(PublishBatchRequestBody))
      .addSuccess(PublishedBatch, { status: 200 })
      .annotate(OpenApi.Summary, "Publish a batch of events")
      .annotate(
        OpenApi.Description,
        `Publishes up to ${MAX_BATCH_EVENTS} events in one request, each checked on its own and published as by \`POST /v1/events\` (a repeated id is a duplicate, delivered once). Answers 200 with a result per event, in order, whenever the batch itself is well formed: check each result. The rate limit counts events, not requests (a batch of 100 uses 100 of \`POST /v1/events/batch\`'s limit). An \`Idempotency-Key\` replays the whole answer.`
      )
  )
  .addError(BadRequest)
  .middleware(Authentication)
  .annotate(Scopes.Required, Scopes.write)
  .annotate(OpenApi.Title, "Events")
{}
