/**
 * `herald listen` (Herald-native): a temporary webhook whose deliveries stream
 * to the CLI over server-sent events instead of going to a URL. The CLI opens
 * a listener, reads its stream, forwards each delivery to the developer's
 * local URL, and posts back what that answered, which is logged as the
 * attempt's response.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { strict } from "../contract/ApiParams.js"
import { firstInvalidItem, reported } from "../contract/InputIssues.js"
import { NotReplayed } from "../contract/NotReplayed.js"
import * as ContractProfiles from "../contract/Profiles.js"
import { Authentication } from "../profiles/datagrid/Authentication.js"
import { BadRequest, NotFound } from "../profiles/datagrid/Errors.js"
import * as RateLimiting from "../edge/RateLimiting.js"
import * as Scopes from "../edge/Scopes.js"

/** The path parameter naming a listener. */
export const listenerId = HttpApiSchema.param("listener_id", Schema.String)

/** The most headers an answer may report. */
export const MAX_ANSWER_HEADERS = 64
/** The longest header value an answer may report; longer ones are cut. */
export const MAX_ANSWER_HEADER_LENGTH = 2048
/** The longest header name an answer may report. */
export const MAX_ANSWER_HEADER_NAME_LENGTH = 256
/** The most of a response body an answer may report, in bytes of UTF-8 (the attempt log keeps 4 KiB); the rest is cut. */
export const MAX_ANSWER_BODY_LENGTH = 4096

/** The body of a new listener: all optional. */
export const OpenListenerRequestBody = Schema.Struct({
  profile: Schema.optional(Schema.String).annotations({
    description: `One of ${
      ContractProfiles.all.map((profile) => `\`${profile.name}\``).join(", ")
    }: the profile whose envelope and signature the deliveries carry. The default profile when absent.`
  }),
  events: Schema.optional(Schema.Array(Schema.String).annotations(firstInvalidItem)).annotations({
    description: "The event types to receive; every type of the profile's catalog when absent."
  })
}).annotations({ identifier: "OpenListenerRequestBody", ...strict })

/** A listener just opened: its id, its webhook, and the signing secret, shown this once. */
export const OpenedListener = Schema.Struct({
  object: Schema.Literal("listener"),
  id: Schema.String.annotations({ description: "The listener's id (`lst_...`), which its stream, answers and close name." }),
  webhook_id: Schema.String.annotations({
    description: "The temporary webhook it delivers through: its attempts are logged like any webhook's."
  }),
  profile: Schema.String,
  events: Schema.Array(Schema.String),
  secret: Schema.String.annotations({
    description: "The webhook's signing secret, shown this once: verify the forwarded deliveries with it."
  }),
  lease_seconds: Schema.Int.annotations({
    description: "How long the listener outlives its stream: a stream gone longer has its webhook removed."
  })
}).annotations({ identifier: "OpenedListener" })

/** What the CLI reports for one delivery: the local URL's response, or why it got none. */
export const ListenerAnswerRequestBody = Schema.Struct({
  delivery_id: Schema.String.annotations({ description: "The `id` of the delivery as the stream sent it." }),
  status: Schema.optional(Schema.Int.pipe(Schema.between(100, 599))).annotations({
    description: "The local URL's HTTP status. Absent when it gave none (then `error` says why)."
  }),
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }).annotations(firstInvalidItem)).annotations({
    description: `The local response's headers: at most ${MAX_ANSWER_HEADERS}, names of at most ${MAX_ANSWER_HEADER_NAME_LENGTH} characters (values are cut to ${MAX_ANSWER_HEADER_LENGTH}).`
  }),
  body: Schema.optional(Schema.String).annotations({
    description: `The local response's body; its first ${MAX_ANSWER_BODY_LENGTH} bytes are kept.`
  }),
  error: Schema.optional(Schema.String).annotations({
    description: "Why the local URL gave no response (refused, timed out, ...), when it gave none."
  })
}).annotations({ identifier: "ListenerAnswerRequestBody", ...strict })

/** The stream: `text/event-stream`, one `delivery` event per delivery (see the route's description). */
export const ListenerStream = Schema.String.pipe(
  HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/event-stream" })
).annotations({ identifier: "ListenerStream" })

/**
 * The `listeners` group: open a listener, stream its deliveries, answer one, close it. Bearer
 * authentication with an API key (`webhooks:write`; never a portal session), Datagrid error bodies;
 * `ListenersHandlers` implements them.
 */
export class Listeners extends HttpApiGroup.make("listeners")
  .add(
    HttpApiEndpoint.post("open", "/v1/listeners")
      // Its answer holds the webhook's secret: a retry opens another listener rather than replaying it.
      .annotate(NotReplayed, true)
      .annotate(RateLimiting.RouteLimit, RateLimiting.creatingWebhooks)
      .setPayload(reported(OpenListenerRequestBody))
      .addSuccess(OpenedListener, { status: 201 })
      .annotate(OpenApi.Summary, "Open a listener")
      .annotate(
        OpenApi.Description,
        "Creates a temporary webhook of your teamspace whose deliveries go to this listener's stream instead of a URL: what `herald listen` does. Its deliveries are signed, retried and logged like any webhook's."
      )
  )
  .add(
    HttpApiEndpoint.get("stream")`/v1/listeners/${listenerId}/stream`
      .addSuccess(ListenerStream)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Stream a listener's deliveries")
      .annotate(
        OpenApi.Description,
        "Server-sent events: `ready` once attached, then a `delivery` event per delivery, whose data is JSON with `id`, `webhook_id`, `event_id`, `event_type`, `attempt`, `headers` (signatures included) and `body` (exactly the signed bytes); `closed` when the listener's webhook is removed or the server stops (then with `reconnect: true`). A comment every 15 s keeps the connection alive. While the stream is open the listener's lease is renewed. A 503 while the server stops: open it again in a moment."
      )
  )
  .add(
    HttpApiEndpoint.post("answer")`/v1/listeners/${listenerId}/answers`
      .annotate(RateLimiting.RouteLimit, RateLimiting.publishing)
      .setPayload(reported(ListenerAnswerRequestBody))
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Answer a delivery")
      .annotate(
        OpenApi.Description,
        "What the local URL answered to a delivery of the stream (or why it did not): logged as the attempt's response, so retries and endpoint health work as for any webhook. A 404 when no delivery waits for this answer any more (its attempt timed out)."
      )
  )
  .add(
    HttpApiEndpoint.del("close")`/v1/listeners/${listenerId}`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Close a listener")
      .annotate(OpenApi.Description, "Removes the listener and its webhook.")
  )
  .addError(BadRequest)
  .middleware(Authentication)
  .annotate(Scopes.Required, Scopes.write)
  .annotate(Scopes.KeysOnly, true)
  .annotate(OpenApi.Title, "Listeners")
  .annotate(OpenApi.Description, "`herald listen`: deliveries streamed to the CLI on a developer's machine.")
{}
