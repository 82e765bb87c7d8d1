/** Domain objects -> Exa websets wire objects. */
import type { Attempt, Event, Webhook as Domain } from "@herald/core"
import type { ExaEvent, ExaWebhook, ExaWebhookAttempt } from "./Api.js"

const iso = (millis: number) => new Date(millis).toISOString()

/** `secret` is the new secret on creation and null everywhere else, as Exa does. */
export const webhook = (hook: Domain.Webhook, secret: string | null = null): typeof ExaWebhook.Type => ({
  id: hook.id,
  object: "webhook",
  status: hook.enabled ? "active" : "inactive",
  events: hook.events,
  url: hook.url,
  secret,
  metadata: hook.metadata,
  createdAt: iso(hook.createdAt),
  updatedAt: iso(hook.updatedAt)
})

/** An attempt in Exa's wire shape. */
export const attempt = (row: Attempt.Attempt): typeof ExaWebhookAttempt.Type => ({
  id: row.id,
  object: "webhook_attempt",
  eventId: row.eventId,
  eventType: row.eventType,
  webhookId: row.webhookId,
  url: row.url,
  successful: row.successful,
  responseHeaders: row.responseHeaders,
  responseBody: row.responseBody,
  responseStatusCode: row.responseStatus,
  attempt: row.attempt,
  attemptedAt: iso(row.attemptedAt)
})

/** An event in Exa's wire shape (its data parsed back to JSON). */
export const event = (row: Event.Event): typeof ExaEvent.Type => ({
  id: row.id,
  object: "event",
  type: row.type,
  data: JSON.parse(row.dataJson),
  createdAt: iso(row.createdAt)
})
