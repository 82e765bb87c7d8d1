/**
 * The Diga profile (seed 003 and Diga's API reference) under `/v1/webhook/`, as
 * data: uuid ids, `subscribed_events`, `created_date`, page-or-cursor listing,
 * FastAPI's 422 validation bodies and Diga's `ErrorResponseSchema`. Beyond the
 * upstream API, the create response carries the signing `secret`, and
 * `GET /v1/webhook/{id}/secret` reads it again (Diga documents neither a secret
 * nor a delivery format; deliveries are signed with Standard Webhooks headers).
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { eventTypes } from "./EventTypes.js"
import { Schema } from "effect"
import { wholeNumber } from "../../contract/ApiParams.js"
import { DigaAuthentication } from "./Authentication.js"
import { DigaInternalError, DigaNotFound, DigaUnprocessable } from "./Errors.js"
import { firstInvalidItem, reported } from "../../contract/InputIssues.js"
import * as RateLimiting from "../../edge/RateLimiting.js"
import * as Scopes from "../../edge/Scopes.js"

/** The page size of a Diga list requested without `limit`. */
export const DIGA_DEFAULT_PAGE_SIZE = 20

/** The highest page number: far beyond any list, and (page - 1) * 100 is still an exact integer. */
const MAX_PAGE = 1_000_000_000

/** A uuid string; the JSON Schema override carries the texts, since it replaces the generated schema. */
const uuid = (texts: { readonly title?: string; readonly description?: string } = {}) =>
  Schema.String.annotations({ ...texts, jsonSchema: { type: "string", format: "uuid", ...texts } })

/** An event type in Diga's schemas. */
export const DigaWebhookEvent = Schema.String.annotations({
  identifier: "DigaWebhookEvent",
  description: `An event type. By default one of ${eventTypes.map((type) => `\`${type}\``).join(", ")}.`,
  examples: ["status_changed"]
})

const url = Schema.String.annotations({
  title: "Webhook URL",
  description: "The URL that the webhook will call to send the events specified in the `subscribed_events` field"
})

const subscribedEvents = Schema.Array(DigaWebhookEvent).annotations({
  ...firstInvalidItem,
  title: "Subscribed Events",
  description: "The events that the webhook will send to the URL"
})

/** The body of a Diga webhook creation: URL and subscribed events. */
export const WebhookRequest = Schema.Struct({
  url: url.pipe(Schema.minLength(1)),
  subscribed_events: subscribedEvents
}).annotations({ identifier: "DigaWebhookRequest" })

/** The body of a Diga webhook update: URL and/or subscribed events. */
export const WebhookUpdateRequest = Schema.Struct({
  url: Schema.optional(Schema.NullOr(url)),
  subscribed_events: Schema.optional(Schema.NullOr(subscribedEvents))
}).annotations({
  identifier: "DigaWebhookUpdateRequest",
  description: "Absent or null fields are left as they are."
})

const webhookFields = {
  id: uuid({ title: "Webhook Id", description: "The unique identifier for the webhook" }),
  url,
  subscribed_events: subscribedEvents,
  created_date: Schema.String.annotations({
    title: "Created Date",
    description: "The datetime when the webhook was created",
    jsonSchema: { type: "string", format: "date-time" }
  })
}

/** A webhook as Diga's API shows it. */
export const WebhookResponse = Schema.Struct(webhookFields).annotations({ identifier: "DigaWebhookResponse" })

const secret = Schema.String.annotations({
  description: "The signing secret (`whsec_...`) for the Standard Webhooks signature of every delivery."
})

/** The answer to a Diga webhook creation: the webhook and its signing secret (a Herald extension). */
export const CreatedWebhookResponse = Schema.Struct({ ...webhookFields, secret }).annotations({
  identifier: "DigaCreatedWebhookResponse",
  description: "The webhook, plus its signing secret (a Herald addition; clients ignore unknown fields)."
})

/** The answer to `GET /v1/webhook/{id}/secret` (a Herald extension). */
export const WebhookSecretResponse = Schema.Struct({ id: webhookFields.id, secret }).annotations({
  identifier: "DigaWebhookSecretResponse"
})

/** A page of Diga's webhook list, by page number or by `after`/`before`. */
export const WebhookListResponse = Schema.Struct({
  data: Schema.Array(WebhookResponse),
  has_more: Schema.Boolean.annotations({ description: "Whether more webhooks lie beyond this page." }),
  first_id: Schema.NullOr(uuid({ description: "The first webhook of this page; pass as `before` for the previous page." })),
  last_id: Schema.NullOr(uuid({ description: "The last webhook of this page; pass as `after` for the next page." })),
  current_page: Schema.NullOr(Schema.Int).annotations({ description: "The page number; null when paging with `after`/`before`." }),
  total_pages: Schema.NullOr(Schema.Int).annotations({ description: "How many pages of `limit` there are; null when paging with `after`/`before`." })
}).annotations({ identifier: "DigaWebhookListResponse" })

/** The query of Diga's webhook list: `page` or `after`/`before`, `limit` and `order`. */
export const ListParams = Schema.Struct({
  after: Schema.optional(uuid({ description: "Webhooks after this one, in `order`." })),
  before: Schema.optional(uuid({ description: "Webhooks before this one, in `order`." })),
  // Described on the property signatures: decode errors then say what was expected, not the description.
  page: Schema.optional(wholeNumber(1, MAX_PAGE)).annotations({
    description: "The page number, from 1 (not with `after` or `before`)."
  }),
  limit: Schema.optional(wholeNumber(1, 100)).annotations({
    description: `Page size, 1 to 100 (default ${DIGA_DEFAULT_PAGE_SIZE}).`
  }),
  order: Schema.optional(Schema.Literal("asc", "desc")).annotations({
    description: "By creation time: `desc` (the default) is newest first."
  })
})

const id = HttpApiSchema.param("id", uuid({ description: "The unique identifier for the webhook" }))

/**
 * The Diga profile's webhook routes (`digaWebhooks` group, under `/v1/webhook/`): create, list,
 * get, update, delete, and read the secret. `Handlers` implements them.
 */
export class DigaWebhooks extends HttpApiGroup.make("digaWebhooks")
  .add(
    HttpApiEndpoint.post("create", "/v1/webhook/")
      .annotate(RateLimiting.RouteLimit, RateLimiting.creatingWebhooks)
      .setPayload(reported(WebhookRequest))
      .addSuccess(CreatedWebhookResponse)
      .annotate(OpenApi.Summary, "Create Webhook")
      .annotate(
        OpenApi.Description,
        "Subscribes the URL to `subscribed_events`. The answer adds `secret` (a Herald addition), which signs deliveries with Standard Webhooks headers; `GET /v1/webhook/{id}/secret` shows it again."
      )
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/webhook/")
      .annotate(Scopes.Required, Scopes.read)
      .setUrlParams(reported(ListParams))
      .addSuccess(WebhookListResponse)
      .annotate(OpenApi.Summary, "Get Webhooks")
      .annotate(
        OpenApi.Description,
        "By page number (`page`, with `current_page` and `total_pages` in the answer) or by cursor (`after`/`before` a webhook id)."
      )
  )
  .add(
    HttpApiEndpoint.get("get")`/v1/webhook/${id}`
      .annotate(Scopes.Required, Scopes.read)
      .addSuccess(WebhookResponse)
      .annotate(OpenApi.Summary, "Get Webhook")
      .annotate(
        OpenApi.Description,
        "One webhook of your teamspace by its UUID; an id that is not a UUID is a 422."
      )
  )
  .add(
    HttpApiEndpoint.patch("update")`/v1/webhook/${id}`
      .setPayload(reported(WebhookUpdateRequest))
      .addSuccess(WebhookResponse)
      .annotate(OpenApi.Summary, "Update Webhook")
      .annotate(
        OpenApi.Description,
        "Sets the fields sent; a field that is absent or `null` keeps its value. A new `url` is checked as at create."
      )
  )
  .add(
    HttpApiEndpoint.del("delete")`/v1/webhook/${id}`
      .addSuccess(WebhookResponse)
      .annotate(OpenApi.Summary, "Delete Webhook")
      .annotate(OpenApi.Description, "Deletes the webhook and returns it.")
  )
  .add(
    HttpApiEndpoint.get("secret")`/v1/webhook/${id}/secret`
      // A read, but a read-only key never sees a signing secret.
      .annotate(Scopes.Required, Scopes.write)
      .addSuccess(WebhookSecretResponse)
      .annotate(OpenApi.Summary, "Get Webhook Secret")
      .annotate(
        OpenApi.Description,
        "The secret that signs the webhook's deliveries (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`). A Herald addition: Diga's create returns no secret."
      )
  )
  .addError(DigaUnprocessable)
  .addError(DigaNotFound)
  .addError(DigaInternalError)
  .middleware(DigaAuthentication)
  .annotate(Scopes.Required, Scopes.write)
  .annotate(OpenApi.Title, "Webhooks (Diga)")
  .annotate(OpenApi.Description, "Webhook subscriptions in the Diga wire format.")
{}

/** The profile's part of the contract. */
export const api = HttpApi.make("herald").add(DigaWebhooks)

/** The profile as the contract knows it: its name, its title in the docs (its tags end with it), and its part. */
export const contract = { name: "diga", title: "Diga", api } as const
