/**
 * The Exa websets profile (seed 004 and exa-js): webhooks, their delivery
 * attempts and the event log under `/websets/v0/`, as data. Field names,
 * pagination (`cursor`, `limit` -> `{data, hasMore, nextCursor}`) and error
 * bodies are Exa's; OpenAPI is generated from it.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Webhooks } from "@herald/core"
import { eventTypes } from "./EventTypes.js"
import { Schema } from "effect"
import { IsoDateTime, wholeNumber } from "../../contract/ApiParams.js"
import { ExaAuthentication } from "./Authentication.js"
import { ExaBadRequest, ExaInternalError, ExaNotFound } from "./Errors.js"
import { firstInvalidItem, reported } from "../../contract/InputIssues.js"
import * as RateLimiting from "../../edge/RateLimiting.js"
import * as Scopes from "../../edge/Scopes.js"

/** The page size of an Exa list requested without `limit`. */
export const EXA_DEFAULT_PAGE_SIZE = 25

// Request fields are described on their property signatures, not their schemas:
// the documentation is the same, and decode errors then say "Expected string"
// rather than quoting the description.

/** Exa's `limit` query parameter: 1 to 200 (Herald serves at most its own maximum, see `pageSize`). */
export const ExaLimit = wholeNumber(1, 200)

const limit = Schema.optional(ExaLimit).annotations({
  description: `The number of results to return, 1 to 200 (default ${EXA_DEFAULT_PAGE_SIZE}). Herald returns at most 100 per page; follow \`nextCursor\` for the rest.`
})

const cursorDescription = "The cursor to paginate through the results."

const cursor = Schema.optional(Schema.String).annotations({ description: cursorDescription })

/** Exa allows pages of up to 200; Herald serves at most its own maximum, and `hasMore` says there is more. */
export const pageSize = (limit: number | undefined): number =>
  Math.min(limit ?? EXA_DEFAULT_PAGE_SIZE, Webhooks.MAX_PAGE_SIZE)

/** An event type in Exa's schemas. */
export const ExaEventType = Schema.String.annotations({
  identifier: "ExaEventType",
  description: `An event type. By default one of ${eventTypes.map((type) => `\`${type}\``).join(", ")}.`,
  examples: ["webset.created"]
})

const Metadata = Schema.Record({ key: Schema.String, value: Schema.String }).annotations(firstInvalidItem)

const events = Schema.Array(ExaEventType).annotations(firstInvalidItem)

const metadataDescription =
  "Set of key-value pairs you want to associate with this object (values up to 1000 characters)."

/** A webhook as Exa's API shows it (`secret` only in the answer to a create). */
export const ExaWebhook = Schema.Struct({
  id: Schema.String.annotations({ description: "The unique identifier for the webhook." }),
  object: Schema.Literal("webhook"),
  status: Schema.Literal("active", "inactive").annotations({
    description: "The status of the webhook: `inactive` once Herald disabled it (its endpoint kept failing)."
  }),
  events: Schema.Array(ExaEventType).annotations({ description: "The events to trigger the webhook." }),
  url: Schema.String.annotations({ description: "The URL to send the webhook to." }),
  secret: Schema.NullOr(Schema.String).annotations({
    description: "The secret to verify the webhook signature. Only returned on Webhook creation."
  }),
  metadata: Schema.propertySignature(Metadata).annotations({ description: metadataDescription }),
  createdAt: Schema.String.annotations({ description: "The date and time the webhook was created." }),
  updatedAt: Schema.String.annotations({ description: "The date and time the webhook was last updated." })
}).annotations({ identifier: "ExaWebhook", description: "Webhook" })

/** The body of an Exa webhook creation: events, URL, metadata. */
export const CreateWebhookParameters = Schema.Struct({
  events: Schema.propertySignature(events).annotations({
    description: "The events to trigger the webhook (1 to 19)."
  }),
  url: Schema.propertySignature(Schema.String).annotations({ description: "The URL to send the webhook to." }),
  metadata: Schema.optional(Metadata).annotations({ description: metadataDescription })
}).annotations({ identifier: "ExaCreateWebhookParameters" })

/** The body of an Exa webhook update: any of events, URL, metadata. */
export const UpdateWebhookParameters = Schema.Struct({
  events: Schema.optional(events).annotations({ description: "The events to trigger the webhook." }),
  url: Schema.optional(Schema.String).annotations({ description: "The URL to send the webhook to." }),
  metadata: Schema.optional(Metadata).annotations({ description: metadataDescription })
}).annotations({ identifier: "ExaUpdateWebhookParameters" })

const page = <A, I, R>(item: Schema.Schema<A, I, R>, identifier: string, description: string) =>
  Schema.Struct({
    data: Schema.Array(item).annotations({ description }),
    hasMore: Schema.Boolean.annotations({ description: "Whether there are more results to paginate through." }),
    nextCursor: Schema.NullOr(Schema.String).annotations({
      description: "The cursor to paginate through the next set of results."
    })
  }).annotations({ identifier })

/** A page of webhooks in Exa's pagination (`data`, `hasMore`, `nextCursor`). */
export const ListWebhooksResponse = page(ExaWebhook, "ExaListWebhooksResponse", "The list of webhooks.")

/** A delivery attempt as Exa's API shows it. */
export const ExaWebhookAttempt = Schema.Struct({
  id: Schema.String.annotations({ description: "The unique identifier for the webhook attempt." }),
  object: Schema.Literal("webhook_attempt"),
  eventId: Schema.String.annotations({ description: "The unique identifier for the event." }),
  eventType: ExaEventType,
  webhookId: Schema.String.annotations({ description: "The unique identifier for the webhook." }),
  url: Schema.String.annotations({ description: "The URL that was used during the attempt." }),
  successful: Schema.Boolean.annotations({ description: "Whether the attempt was successful." }),
  responseHeaders: Schema.Record({ key: Schema.String, value: Schema.String }).annotations({
    description: "The headers of the response."
  }),
  responseBody: Schema.NullOr(Schema.String).annotations({
    description: "The body of the response (its first 4 KiB)."
  }),
  responseStatusCode: Schema.NullOr(Schema.Int).annotations({
    description: "The status code of the response; null when no response came (timeout, connection failure...)."
  }),
  attempt: Schema.Int.annotations({ description: "The attempt number of the webhook." }),
  attemptedAt: Schema.String.annotations({ description: "The date and time the webhook attempt was made." })
}).annotations({ identifier: "ExaWebhookAttempt" })

/** A page of a webhook's attempts in Exa's pagination. */
export const ListWebhookAttemptsResponse = page(
  ExaWebhookAttempt,
  "ExaListWebhookAttemptsResponse",
  "The list of webhook attempts, newest first."
)

/** An event as Exa's API shows it. */
export const ExaEvent = Schema.Struct({
  id: Schema.String.annotations({ description: "The unique identifier for the event." }),
  object: Schema.Literal("event"),
  type: ExaEventType,
  data: Schema.Unknown.annotations({ description: "The event's payload, as published." }),
  createdAt: Schema.String.annotations({ description: "The date and time the event was created." })
}).annotations({ identifier: "ExaEvent" })

/** A page of events in Exa's pagination, newest first. */
export const ListEventsResponse = page(ExaEvent, "ExaListEventsResponse", "The list of events, newest first.")

const id = HttpApiSchema.param("id", Schema.String)

/**
 * The Exa profile's webhook routes (`exaWebhooks` group, under `/websets/v0/webhooks`): create,
 * list, get, update, delete, list attempts. `Handlers` implements them.
 */
export class ExaWebhooks extends HttpApiGroup.make("exaWebhooks")
  .add(
    HttpApiEndpoint.post("create", "/websets/v0/webhooks")
      .annotate(RateLimiting.RouteLimit, RateLimiting.creatingWebhooks)
      .setPayload(reported(CreateWebhookParameters))
      .addSuccess(ExaWebhook)
      .annotate(OpenApi.Summary, "Create a Webhook")
      .annotate(
        OpenApi.Description,
        "The webhook starts as `active`. The `secret` that signs its deliveries (`Exa-Signature: t=...,v1=...`) is returned only in this response."
      )
  )
  .add(
    HttpApiEndpoint.get("list", "/websets/v0/webhooks")
      .annotate(Scopes.Required, Scopes.read)
      .setUrlParams(reported(Schema.Struct({
        cursor,
        limit
      })))
      .addSuccess(ListWebhooksResponse)
      .annotate(OpenApi.Summary, "List webhooks")
      .annotate(
        OpenApi.Description,
        "Your teamspace's webhooks, newest first. `limit` may be up to 200; at most 100 are returned a page, with `hasMore` and `nextCursor` for the rest."
      )
  )
  .add(
    HttpApiEndpoint.get("get")`/websets/v0/webhooks/${id}`
      .annotate(Scopes.Required, Scopes.read)
      .addSuccess(ExaWebhook)
      .annotate(OpenApi.Summary, "Get a Webhook")
      .annotate(
        OpenApi.Description,
        "One webhook of your teamspace. Its `secret` is shown only at create; a webhook Herald disabled (its endpoint kept failing) has `status: \"inactive\"`."
      )
  )
  .add(
    HttpApiEndpoint.patch("update")`/websets/v0/webhooks/${id}`
      .setPayload(reported(UpdateWebhookParameters))
      .addSuccess(ExaWebhook)
      .annotate(OpenApi.Summary, "Update a Webhook")
      .annotate(
        OpenApi.Description,
        "Changes only the fields sent (`events`, `url`, `metadata`); a new `url` is checked as at create."
      )
  )
  .add(
    HttpApiEndpoint.del("delete")`/websets/v0/webhooks/${id}`
      .addSuccess(ExaWebhook)
      .annotate(OpenApi.Summary, "Delete a Webhook")
      .annotate(OpenApi.Description, "Deletes the webhook and returns it.")
  )
  .add(
    HttpApiEndpoint.get("listAttempts")`/websets/v0/webhooks/${id}/attempts`
      .annotate(Scopes.Required, Scopes.read)
      .setUrlParams(reported(Schema.Struct({
        cursor,
        limit,
        eventType: Schema.optional(ExaEventType).annotations({ description: "The type of event to filter by." }),
        successful: Schema.optional(Schema.BooleanFromString).annotations({
          description: "Filter attempts by their success status (`true` or `false`)."
        })
      })))
      .addSuccess(ListWebhookAttemptsResponse)
      .annotate(OpenApi.Summary, "List webhook attempts")
      .annotate(
        OpenApi.Description,
        "Every attempt to deliver to this webhook, newest first, with the receiver's status code and the first 4 KiB of its body. Filter by `eventType` or `successful`."
      )
  )
  .addError(ExaBadRequest)
  .addError(ExaNotFound)
  .addError(ExaInternalError)
  .middleware(ExaAuthentication)
  .annotate(Scopes.Required, Scopes.write)
  .annotate(OpenApi.Title, "Webhooks (Exa websets)")
  .annotate(OpenApi.Description, "Webhook subscriptions and their delivery attempts in the Exa websets wire format.")
{}

/**
 * The Exa profile's event log routes (`exaEvents` group, under `/websets/v0/events`): list and get
 * events. `EventsHandlers` implements them.
 */
export class ExaEvents extends HttpApiGroup.make("exaEvents")
  .add(
    HttpApiEndpoint.get("list", "/websets/v0/events")
      .setUrlParams(reported(Schema.Struct({
        cursor,
        limit,
        types: Schema.optional(events).annotations({
          description: "The types of events to filter by (repeat the parameter for several)."
        }),
        createdAfter: Schema.optional(IsoDateTime).annotations({
          description: "Only events created at or after this time: a date (`2026-01-31`) or date and time with a zone (`2026-01-31T09:30:00Z`)."
        }),
        createdBefore: Schema.optional(IsoDateTime).annotations({
          description: "Only events created before this time, in the same forms."
        })
      })))
      .addSuccess(ListEventsResponse)
      .annotate(OpenApi.Summary, "List all Events")
      .annotate(OpenApi.Description, "Your teamspace's published events, newest first, kept for the retention period.")
  )
  .add(
    HttpApiEndpoint.get("get")`/websets/v0/events/${id}`
      .addSuccess(ExaEvent)
      .annotate(OpenApi.Summary, "Get an Event")
      .annotate(
        OpenApi.Description,
        "One event published in your teamspace, in the Exa event shape."
      )
  )
  .addError(ExaBadRequest)
  .addError(ExaNotFound)
  .addError(ExaInternalError)
  .middleware(ExaAuthentication)
  .annotate(Scopes.Required, Scopes.read)
  .annotate(OpenApi.Title, "Events (Exa websets)")
  .annotate(OpenApi.Description, "The event log in the Exa websets wire format.")
{}

/** The profile's part of the contract. */
export const api = HttpApi.make("herald").add(ExaWebhooks).add(ExaEvents)

/** The profile as the contract knows it: its name, its title in the docs (its tags end with it), and its part. */
export const contract = { name: "exa", title: "Exa websets", api } as const
