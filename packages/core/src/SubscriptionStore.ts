/**
 * Port: where webhook subscriptions live. Adapters keep it small; validation,
 * secrets and timestamps are the `Webhooks` service's business.
 */
import { Context, type Effect, type Option } from "effect"
import type { EventType } from "./EventType.js"
import type { TeamspaceId, WebhookId } from "./Ids.js"
import type { Webhook } from "./Webhook.js"

/**
 * A page request over ids (which sort by creation time): the first `limit`
 * webhooks, in `order`, whose ids lie strictly between `after` and `before`. An
 * ascending page starts just above `after`; a descending one just below `before`
 * (or at the newest).
 */
export interface PageQuery {
  readonly limit: number
  readonly after?: WebhookId | undefined
  readonly before?: WebhookId | undefined
  readonly order: "asc" | "desc"
}

/** What a fan-out needs of a webhook: which one, and whether its deliveries take turns. */
export interface FanOutTarget {
  readonly id: WebhookId
  readonly ordered: boolean
}

/**
 * What a subscription store adapter implements (`MemorySubscriptionStore`,
 * `RedisSubscriptionStore`): webhooks by teamspace and id, pages by id, a count, and the fan-out
 * set of an event type. Application code manages webhooks through `Webhooks`.
 */
export interface SubscriptionStoreShape {
  readonly insert: (webhook: Webhook) => Effect.Effect<void>
  readonly get: (teamspace: TeamspaceId, id: WebhookId) => Effect.Effect<Option.Option<Webhook>>
  /** Replaces a stored webhook; false when it no longer exists (nothing is written). */
  readonly update: (webhook: Webhook) => Effect.Effect<boolean>
  /** false when there was nothing to remove. */
  readonly remove: (teamspace: TeamspaceId, id: WebhookId) => Effect.Effect<boolean>
  readonly list: (teamspace: TeamspaceId, query: PageQuery) => Effect.Effect<ReadonlyArray<Webhook>>
  readonly count: (teamspace: TeamspaceId) => Effect.Effect<number>
  /** Enabled webhooks of the teamspace subscribed to the event type: the fan-out set. */
  readonly active: (teamspace: TeamspaceId, eventType: EventType) => Effect.Effect<ReadonlyArray<Webhook>>
  /**
   * The fan-out set in id order, `limit` at a time, strictly after `after`: ids
   * and `ordered` only, so a large fan-out reads no records (no secrets to decode).
   */
  readonly activePage: (
    teamspace: TeamspaceId,
    eventType: EventType,
    page: { readonly after?: WebhookId | undefined; readonly limit: number }
  ) => Effect.Effect<ReadonlyArray<FanOutTarget>>
}

/**
 * The subscription store port. Provided by an adapter layer; read and written by `Webhooks`, read
 * by fan-out, delivery and the delivery log.
 */
export class SubscriptionStore extends Context.Tag("@herald/core/SubscriptionStore")<
  SubscriptionStore,
  SubscriptionStoreShape
>() {}
