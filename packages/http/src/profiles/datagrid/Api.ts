/**
 * The Datagrid profile's webhook API (seeds 000-002), as data: paths, payloads,
 * success and error schemas. OpenAPI is generated from it.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { eventTypes } from "./EventTypes.js"
import { Schema } from "effect"
import { Limit, limitDescription, strict, webhookId } from "../../contract/ApiParams.js"
import { Authentication } from "./Authentication.js"
import { firstInvalidItem, reported } from "../../contract/InputIssues.js"
import { BadRequest, Conflict, InternalError, NotFound } from "./Errors.js"
import * as RateLimiting from "../../edge/RateLimiting.js"
import * as Scopes from "../../edge/Scopes.js"

const eventTypeDescription = `An event type. By default one of ${
  eventTypes.map((type) => `\`${type}\``).join(", ")
}.`

/** An event type in Datagrid's schemas (documented with the profile's default list). */
export const WebhookEventType = Schema.String.annotations({
  identifier: "WebhookEventType",
  description: eventTypeDescription,
  examples: ["batch_prediction.completed"]
})

/** A webhook as Datagrid's API shows it. */
export const Webhook = Schema.Struct({
  object: Schema.Literal("webhook").annotations({ description: "The object type, which is always `webhook`." }),
  id: Schema.String.annotations({ description: "The webhook identifier." }),
  url: Schema.String.annotations({ description: "The destination URL for webhook deliveries." }),
  events: Schema.Array(WebhookEventType).annotations({ description: "The subscribed event types." }),
  enabled: Schema.Boolean.annotations({ description: "Whether delivery is enabled for this webhook." }),
  disabled_reason: Schema.optional(Schema.String.annotations({
    description: "Present when Herald disabled the webhook (its endpoint kept failing, or answered 410 Gone)."
  })),
  ordered: Schema.optional(Schema.Literal(true).annotations({
    description: "Present when deliveries are ordered (a Herald extension): one event at a time, first in first out."
  })),
  rate_limit: Schema.optional(Schema.Int.annotations({
    description: "Present when deliveries are rate limited (a Herald extension): at most this many per second."
  })),
  created_at: Schema.String.annotations({ description: "The ISO string for when the webhook was created." }),
  updated_at: Schema.String.annotations({ description: "The ISO string for when the webhook was last updated." })
}).annotations({
  identifier: "Webhook",
  description: "The `webhook` object represents an outbound webhook subscription."
})

/** A webhook with its signing secret: the answer to a create, the one time the secret is shown. */
export const WebhookWithSecret = Schema.Struct({
  ...Webhook.fields,
  secret: Schema.String.annotations({ description: "The signing secret shown only when creating a webhook." })
}).annotations({ identifier: "WebhookWithSecret" })

/** Herald's delivery options, the same when creating and when updating. */
const deliveryOptions = {
  ordered: Schema.optional(Schema.Boolean.annotations({
    description:
      "Herald extension: deliver one event at a time, first in first out; the next waits until the one before succeeded or was given up. Default false."
  })),
  rate_limit: Schema.optional(Schema.NullOr(Schema.Int).annotations({
    description:
      "Herald extension: at most this many deliveries per second (1 to 10000; a sliding window). Deliveries beyond it wait their turn; none is dropped. null removes the limit."
  }))
}

/** The body of a webhook creation: URL, event types, and Herald's delivery options. */
export const CreateWebhookRequestBody = Schema.Struct({
  url: Schema.String.annotations({ description: "HTTPS destination URL for webhook deliveries." }),
  events: Schema.Array(WebhookEventType).annotations({
    ...firstInvalidItem,
    description: "List of event types to subscribe to (at least one, no duplicates)."
  }),
  ...deliveryOptions
}).annotations({ identifier: "CreateWebhookRequestBody", ...strict })

/** The body of a webhook update: any of URL, event types, enabled, and the delivery options. */
export const UpdateWebhookRequestBody = Schema.Struct({
  url: Schema.optional(Schema.String.annotations({ description: "Updated HTTPS destination URL." })),
  events: Schema.optional(
    Schema.Array(WebhookEventType).annotations({ ...firstInvalidItem, description: "Updated set of event types." })
  ),
  enabled: Schema.optional(Schema.Boolean.annotations({ description: "Enable or disable webhook delivery." })),
  ...deliveryOptions
}).annotations({ identifier: "UpdateWebhookRequestBody", ...strict })

/** A page of webhooks, with the next page's cursor. */
export const WebhookList = Schema.Struct({
  data: Schema.Array(Webhook),
  next_cursor: Schema.NullOr(Schema.String).annotations({
    description: "Pass as `cursor` to get the next page; null on the last page."
  })
}).annotations({ identifier: "WebhookList" })

/** The enabled webhooks subscribed to an event type. */
export const ActiveWebhookList = Schema.Struct({
  object: Schema.Literal("list"),
  data: Schema.Array(Webhook).annotations({
    description: "An array containing active webhook subscriptions for the requested event."
  })
}).annotations({ identifier: "ActiveWebhookList" })

/** The body of a secret rotation: how long the old secret keeps signing. */
export const RotateSecretRequestBody = Schema.Struct({
  overlap_seconds: Schema.optional(Schema.Int.annotations({
    description: "How long the current secret keeps signing alongside the new one (0 to 604800; default 86400)."
  }))
}).annotations({ identifier: "RotateSecretRequestBody", ...strict })

/** The answer to a secret rotation: the new secret, and until when the old one also signs. */
export const RotatedSecret = Schema.Struct({
  object: Schema.Literal("webhook_secret"),
  webhook_id: Schema.String,
  secret: Schema.String.annotations({ description: "The new signing secret, shown only in this response." }),
  previous_secret_expires_at: Schema.NullOr(Schema.String).annotations({
    description: "Until when the previous secret also signs deliveries; null when it stopped at once."
  })
}).annotations({ identifier: "RotatedSecret" })


/** A webhook's current signing secret. */
export const WebhookSecret = Schema.Struct({
  object: Schema.Literal("webhook_secret"),
  webhook_id: Schema.String,
  secret: Schema.String.annotations({ description: "The secret deliveries are signed with first (the newest current one)." })
}).annotations({ identifier: "WebhookSecret" })

/**
 * The Datagrid profile's webhook routes (`webhooks` group, under `/v1/webhooks`): create, list,
 * get, update, delete, rotate and read the secret, list the active ones for an event type. `Handlers`
 * implements them.
 */
export class DatagridWebhooks extends HttpApiGroup.make("webhooks")
  .add(
    HttpApiEndpoint.post("create", "/v1/webhooks")
      .annotate(RateLimiting.RouteLimit, RateLimiting.creatingWebhooks)
      .setPayload(reported(CreateWebhookRequestBody))
      .addSuccess(WebhookWithSecret, { status: 201 })
      .annotate(OpenApi.Summary, "Create webhook")
      .annotate(
        OpenApi.Description,
        "Create an HTTPS webhook subscription for your teamspace. The signing secret is returned only in this response."
      )
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/webhooks")
      .annotate(Scopes.Required, Scopes.read)
      .setUrlParams(reported(Schema.Struct({
        cursor: Schema.optional(Schema.String).annotations({ description: "The `next_cursor` of the previous page." }),
        limit: Schema.optional(Limit).annotations({ description: limitDescription })
      })))
      .addSuccess(WebhookList)
      .annotate(OpenApi.Summary, "List webhooks")
      .annotate(
        OpenApi.Description,
        "Your teamspace's webhooks, oldest first, in pages of `limit` (default 20, at most 100); pass `next_cursor` as `cursor` for the next page. Secrets are not included."
      )
  )
  .add(
    HttpApiEndpoint.get("listActiveForEvent", "/v1/webhooks/active")
      .annotate(Scopes.Required, Scopes.read)
      .setUrlParams(reported(Schema.Struct({ event_type: WebhookEventType })))
      .addSuccess(ActiveWebhookList)
      .annotate(OpenApi.Summary, "List active webhooks for an event type")
      .annotate(
        OpenApi.Description,
        "Every enabled webhook of your teamspace subscribed to `event_type`, all in one answer: `{\"object\": \"list\", \"data\": [webhook, ...]}`. These are the webhooks a publish of that type delivers to now."
      )
  )
  .add(
    HttpApiEndpoint.get("retrieve")`/v1/webhooks/${webhookId}`
      .annotate(Scopes.Required, Scopes.read)
      .addSuccess(Webhook)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Retrieve webhook")
      .annotate(
        OpenApi.Description,
        "One webhook of your teamspace, without its secret. Another teamspace's webhook is a 404, as is an unknown id."
      )
  )
  .add(
    HttpApiEndpoint.patch("update")`/v1/webhooks/${webhookId}`
      .setPayload(reported(UpdateWebhookRequestBody))
      .addSuccess(Webhook)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Update webhook")
      .annotate(
        OpenApi.Description,
        "Changes only the fields sent; the others keep their values. A new `url` is checked as at create. `enabled: true` turns on a webhook Herald disabled, with a fresh failure window."
      )
  )
  .add(
    HttpApiEndpoint.del("delete")`/v1/webhooks/${webhookId}`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Delete webhook")
      .annotate(
        OpenApi.Description,
        "Deletes the webhook at once: deliveries still queued for it are dropped, not sent. Answers 204 with no body."
      )
  )
  .add(
    HttpApiEndpoint.post("rotateSecret")`/v1/webhooks/${webhookId}/rotate-secret`
      .setPayload(reported(RotateSecretRequestBody))
      .addSuccess(RotatedSecret)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Rotate the signing secret")
      .annotate(
        OpenApi.Description,
        "Issues a new signing secret, returned only here. During the overlap every delivery carries one v1= signature per valid secret, so receivers can switch without missing a delivery."
      )
  )
  .add(
    HttpApiEndpoint.get("retrieveSecret")`/v1/webhooks/${webhookId}/secret`
      .addSuccess(WebhookSecret)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Retrieve the signing secret")
      .annotate(
        OpenApi.Description,
        "The secret deliveries are signed with first (the newest current one), to set up or check a receiver. Needs `webhooks:write`: a read-only key never sees a secret."
      )
  )
  .addError(BadRequest)
  .middleware(Authentication)
  .annotate(Scopes.Required, Scopes.write)
  .annotate(OpenApi.Title, "Webhooks (Datagrid)")
  .annotate(OpenApi.Description, "Webhook subscriptions in the Datagrid wire format.")
{}

/** The profile's part of the contract, with the errors its routes answer. */
export const api = HttpApi.make("herald")
  .add(DatagridWebhooks.addError(BadRequest).addError(NotFound).addError(Conflict).addError(InternalError))

/** The profile as the contract knows it: its name, its title in the docs (its tags end with it), and its part. */
export const contract = { name: "datagrid", title: "Datagrid", api } as const
