/**
 * The endpoint form's values and what is done with them, apart from the form:
 * the checks made before asking the server, and the PATCH of an edit (only the
 * fields that changed).
 */
import type { Webhook, WebhookChanges } from "./Api.js"

/** What the form holds. */
export interface Values {
  readonly url: string
  readonly events: ReadonlyArray<string>
  readonly ordered: boolean
  readonly rateLimit: string
}

const MAX_RATE_LIMIT = 10_000

/** The form's own checks, before asking the server: per field, what is wrong. */
export const checkValues = (values: Values): Record<string, string> => {
  const problems: Record<string, string> = {}
  const url = values.url.trim()
  if (url === "") problems["url"] = "Enter the URL to deliver events to."
  else if (!/^https?:\/\//i.test(url)) problems["url"] = "Enter a full URL, starting with https://."
  if (values.events.length === 0) problems["events"] = "Choose at least one event type."
  const limit = values.rateLimit.trim()
  if (limit !== "" && !(/^\d+$/.test(limit) && Number(limit) >= 1 && Number(limit) <= MAX_RATE_LIMIT)) {
    problems["rate_limit"] = `Enter a whole number from 1 to ${MAX_RATE_LIMIT}, or leave it empty for no limit.`
  }
  return problems
}

/** The rate limit field as a number; undefined when empty. */
export const rateLimitOf = (text: string): number | undefined => text.trim() === "" ? undefined : Number(text.trim())

/** The changes between a webhook and the form's values, for a PATCH. */
export const changesOf = (webhook: Webhook, values: Values): WebhookChanges => {
  const rate = rateLimitOf(values.rateLimit) ?? null
  const same = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
    a.length === b.length && a.every((x) => b.includes(x))
  return {
    ...(values.url.trim() === webhook.url ? {} : { url: values.url.trim() }),
    ...(same(values.events, webhook.events) ? {} : { events: values.events }),
    ...(values.ordered === (webhook.ordered === true) ? {} : { ordered: values.ordered }),
    ...(rate === (webhook.rate_limit ?? null) ? {} : { rate_limit: rate })
  }
}
