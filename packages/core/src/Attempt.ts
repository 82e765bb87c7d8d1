/**
 * One delivery attempt, as logged: what was sent where, what came back, and
 * when the next try is due.
 */
import { Schema } from "effect"
import { EventType } from "./EventType.js"
import { AttemptId, EventId, TeamspaceId, WebhookId } from "./Ids.js"
import { Millis } from "./Webhook.js"

/** Why an attempt failed without a usable HTTP response. */
export const FailureKind = Schema.Literal(
  "timeout",
  "connection",
  "dns",
  "tls",
  "blocked",
  "redirect",
  "http_status",
  "other"
)
/** One of the ways an attempt can fail without a usable response (see the `FailureKind` schema). */
export type FailureKind = typeof FailureKind.Type

/**
 * One logged delivery attempt: the webhook and event, the attempt number, the request's URL,
 * timing, the response (status, headers, first bytes of the body) or why there was none, and when
 * the next attempt is due. Written by the worker to the `AttemptLog`; read through `DeliveryLog`.
 */
export class Attempt extends Schema.Class<Attempt>("@herald/core/Attempt")({
  id: AttemptId,
  teamspace: TeamspaceId,
  webhookId: WebhookId,
  eventId: EventId,
  eventType: EventType,
  /** 1 for the first try. */
  attempt: Schema.Number.pipe(Schema.int(), Schema.positive()),
  url: Schema.String,
  attemptedAt: Millis,
  durationMs: Schema.Number.pipe(Schema.nonNegative()),
  successful: Schema.Boolean,
  responseStatus: Schema.NullOr(Schema.Number),
  responseHeaders: Schema.Record({ key: Schema.String, value: Schema.String }),
  /** The first bytes of the response body (see `Delivery.maxResponseBodyBytes`). */
  responseBody: Schema.String,
  failure: Schema.NullOr(FailureKind),
  failureMessage: Schema.NullOr(Schema.String),
  /** When the next attempt is scheduled; null when this was the last one. */
  nextAttemptAt: Schema.NullOr(Millis)
}) {}
