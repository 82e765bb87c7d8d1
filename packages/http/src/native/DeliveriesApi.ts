/**
 * The delivery log (Herald-native, Datagrid wire style): a webhook's attempts,
 * and an event with where each of its deliveries stands.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { eventId, IsoDateTime, Limit, limitDescription, strict, webhookId } from "../contract/ApiParams.js"
import { Authentication } from "../profiles/datagrid/Authentication.js"
import { reported } from "../contract/InputIssues.js"
import { BadRequest, NotFound } from "../profiles/datagrid/Errors.js"
import * as Scopes from "../edge/Scopes.js"

/** One delivery attempt as the delivery log shows it. */
export const WebhookAttempt = Schema.Struct({
  object: Schema.Literal("webhook_attempt"),
  id: Schema.String,
  webhook_id: Schema.String,
  event_id: Schema.String,
  event_type: Schema.String,
  attempt: Schema.Int.annotations({ description: "1 for the first try of this event to this webhook." }),
  url: Schema.String.annotations({ description: "Where this attempt was sent." }),
  attempted_at: Schema.String,
  duration_ms: Schema.Number,
  successful: Schema.Boolean,
  response_status_code: Schema.NullOr(Schema.Int),
  response_headers: Schema.Record({ key: Schema.String, value: Schema.String }),
  response_body: Schema.String.annotations({ description: "The first 4 KiB of the receiver's response." }),
  failure: Schema.NullOr(Schema.String).annotations({
    description: "Why it failed: timeout, connection, dns, tls, blocked, redirect, http_status or other."
  }),
  failure_message: Schema.NullOr(Schema.String),
  next_attempt_at: Schema.NullOr(Schema.String).annotations({
    description: "When the next attempt is scheduled; null when this was the last one."
  })
}).annotations({ identifier: "WebhookAttempt" })

/** A page of a webhook's attempts, newest first, with the next page's cursor. */
export const WebhookAttemptList = Schema.Struct({
  data: Schema.Array(WebhookAttempt).annotations({ description: "Newest first." }),
  next_cursor: Schema.NullOr(Schema.String)
}).annotations({ identifier: "WebhookAttemptList" })

/** Where one webhook's delivery of an event stands. */
export const EventDelivery = Schema.Struct({
  webhook_id: Schema.String,
  status: Schema.Literal("succeeded", "pending", "failed").annotations({
    description: "pending: failed so far, another attempt is scheduled."
  }),
  attempts: Schema.Int,
  last_attempt_at: Schema.String,
  next_attempt_at: Schema.NullOr(Schema.String)
}).annotations({ identifier: "EventDelivery" })

const eventFields = {
  object: Schema.Literal("event"),
  id: Schema.String,
  event_type: Schema.String,
  created_at: Schema.String,
  data: Schema.Unknown
}

/** An event as a list shows it. */
export const EventSummary = Schema.Struct(eventFields).annotations({ identifier: "Event" })

/** A page of events, newest first, with the next page's cursor. */
export const EventList = Schema.Struct({
  data: Schema.Array(EventSummary).annotations({ description: "Newest first." }),
  next_cursor: Schema.NullOr(Schema.String)
}).annotations({ identifier: "EventList" })

/** An event and where each of its deliveries stands. */
export const EventWithDeliveries = Schema.Struct({
  ...eventFields,
  deliveries: Schema.Array(EventDelivery).annotations({
    description: "One entry per subscription that has had at least one attempt."
  })
}).annotations({ identifier: "EventWithDeliveries" })

/** The body of a redelivery: optionally the one webhook to deliver to again. */
export const RedeliverRequestBody = Schema.Struct({
  webhook_id: Schema.optional(Schema.String.annotations({
    description: "Only this webhook; by default every webhook the event was attempted for."
  }))
}).annotations({ identifier: "RedeliverRequestBody", ...strict })

/** The body of a recovery: the time window whose failed deliveries are sent again. */
export const RecoverRequestBody = Schema.Struct({
  since: Schema.propertySignature(IsoDateTime).annotations({
    description:
      "Recover deliveries that failed from this time (`2026-01-31` or `2026-01-31T09:30:00Z`: ISO 8601, with a zone)..."
  }),
  until: Schema.optional(IsoDateTime).annotations({ description: "...until this time (default: now)." })
}).annotations({ identifier: "RecoverRequestBody", ...strict })

/** The answer to a redelivery or recovery: how many deliveries were sent again. */
export const Requeued = Schema.Struct({
  object: Schema.Literal("requeued"),
  deliveries: Schema.Int.annotations({
    description:
      "Deliveries sent again now. One waiting for a retry makes that retry at once; one settled starts again from attempt 1."
  })
}).annotations({ identifier: "Requeued" })


/**
 * The delivery log's routes (`deliveries` group): list a webhook's attempts, list events, get an
 * event with its deliveries, redeliver an event, recover a webhook's failed deliveries. Bearer
 * authentication, Datagrid error bodies; `DeliveriesHandlers` implements them.
 */
export class Deliveries extends HttpApiGroup.make("deliveries")
  .add(
    HttpApiEndpoint.get("listAttempts")`/v1/webhooks/${webhookId}/attempts`
      .setUrlParams(reported(Schema.Struct({
        cursor: Schema.optional(Schema.String),
        limit: Schema.optional(Limit).annotations({ description: limitDescription }),
        event_type: Schema.optional(Schema.String),
        successful: Schema.optional(Schema.BooleanFromString)
      })))
      .addSuccess(WebhookAttemptList)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "List a webhook's delivery attempts")
      .annotate(
        OpenApi.Description,
        "Every attempt to deliver to this webhook, newest first: status, duration, failure kind, response headers and the first 4 KiB of the body. Filter by `event_type` or `successful`; page with `cursor`."
      )
  )
  .add(
    HttpApiEndpoint.get("listEvents", "/v1/events")
      .setUrlParams(reported(Schema.Struct({
        cursor: Schema.optional(Schema.String),
        limit: Schema.optional(Limit).annotations({ description: limitDescription }),
        event_type: Schema.optional(Schema.String).annotations({
          description: "Only events of these types: one, or several separated by commas."
        }),
        created_after: Schema.optional(IsoDateTime).annotations({
          description: "Only events created at or after this time: a date (`2026-01-31`) or date and time with a zone (`2026-01-31T09:30:00Z`)."
        }),
        created_before: Schema.optional(IsoDateTime).annotations({
          description: "Only events created before this time, in the same forms."
        })
      })))
      .addSuccess(EventList)
      .annotate(OpenApi.Summary, "List events")
      .annotate(OpenApi.Description, "Your teamspace's published events, newest first, kept for the retention period.")
  )
  .add(
    HttpApiEndpoint.get("retrieveEvent")`/v1/events/${eventId}`
      .addSuccess(EventWithDeliveries)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Retrieve an event and its deliveries")
      .annotate(
        OpenApi.Description,
        "The event as published, and where its delivery to each subscribed webhook stands: succeeded, pending (another attempt is scheduled) or failed, with the attempt count and the next attempt's time."
      )
  )
  .add(
    HttpApiEndpoint.post("redeliver")`/v1/events/${eventId}/redeliver`
      .annotate(Scopes.Required, Scopes.write)
      .setPayload(reported(RedeliverRequestBody))
      .addSuccess(Requeued, { status: 202 })
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Deliver an event again")
      .annotate(
        OpenApi.Description,
        "Sends the event again now, to every webhook it was attempted for or to `webhook_id`. A delivery waiting for a retry makes that retry at once, in place of the scheduled one; one being attempted right now is never doubled, and is retried at once if that attempt fails; a settled one starts again from attempt 1. An ordered webhook's event waits its turn behind the events before it. The body may be omitted."
      )
  )
  .add(
    HttpApiEndpoint.post("recover")`/v1/webhooks/${webhookId}/recover`
      .annotate(Scopes.Required, Scopes.write)
      .setPayload(reported(RecoverRequestBody))
      .addSuccess(Requeued, { status: 202 })
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Recover failed deliveries")
      .annotate(
        OpenApi.Description,
        "Sends again now every delivery to this webhook whose last attempt, made in [since, until), failed: given up, or waiting for a retry (that retry is made at once, in place of the scheduled one)."
      )
  )
  .addError(BadRequest)
  .middleware(Authentication)
  .annotate(Scopes.Required, Scopes.read)
  .annotate(OpenApi.Title, "Deliveries")
  .annotate(OpenApi.Description, "Published events, the attempt log and each event's delivery status.")
{}
