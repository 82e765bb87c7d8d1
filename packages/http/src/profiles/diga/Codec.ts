/** Domain objects -> Diga wire objects, and Diga's list paging -> the core's. */
import type { Webhook as Domain, Webhooks } from "@herald/core"
import type { WebhookResponse } from "./Api.js"
import { toUuid } from "./Ids.js"

/** A webhook in Diga's wire shape (its id as a uuid). */
export const webhook = (hook: Domain.Webhook): typeof WebhookResponse.Type => ({
  id: toUuid(hook.id),
  url: hook.url,
  subscribed_events: hook.events,
  created_date: new Date(hook.createdAt).toISOString()
})

/** The order of Diga's webhook list. */
export type Order = "asc" | "desc"

/**
 * Diga's `after` and `before` name webhooks in the list's own order (`after` the
 * last id of a page gives the next page, `before` its first id the previous
 * one). The core bounds ids instead, and pages from the `after` side ascending or
 * the `before` side descending. So a page that goes backwards (only `before`) is
 * read in the opposite order and reversed.
 */
export const listQuery = (query: {
  readonly limit: number
  readonly order: Order
  readonly after?: string | undefined
  readonly before?: string | undefined
  readonly offset?: number | undefined
}): { readonly core: Webhooks.ListQuery; readonly reversed: boolean } => {
  const [lower, upper] = query.order === "asc" ? [query.after, query.before] : [query.before, query.after]
  const reversed = query.before !== undefined && query.after === undefined
  const flipped: Order = query.order === "asc" ? "desc" : "asc"
  return {
    core: {
      limit: query.limit,
      after: lower,
      before: upper,
      order: reversed ? flipped : query.order,
      offset: query.offset
    },
    reversed
  }
}
