/**
 * SubscriptionStore in memory.
 *
 * Per teamspace: webhooks by id, their ids in ascending order (ULIDs sort by
 * creation time, so a page is a slice found by binary search), and a fan-out
 * index `eventType -> ids of enabled webhooks`, also ascending, so `active`
 * costs the number of matching subscriptions and an `activePage` the page,
 * never a scan of every webhook. Every operation is one
 * synchronous step, so there is nothing to interleave with.
 */
import { Effect, Layer, Option } from "effect"
import { type EventType, type Ids, SubscriptionStore, type Webhook } from "@herald/core"
import * as SortedArray from "./internal/SortedArray.js"

interface Teamspace {
  readonly byId: Map<Ids.WebhookId, Webhook.Webhook>
  /** Ascending. */
  readonly ids: Array<Ids.WebhookId>
  /** Ascending. Only enabled webhooks are indexed: a disabled one is never part of a fan-out. */
  readonly byEvent: Map<EventType.EventType, Array<Ids.WebhookId>>
}

/**
 * A new, empty in-memory `SubscriptionStore`; for composing it yourself (tests, tools). Most
 * callers want `layer`.
 */
export const make: Effect.Effect<SubscriptionStore.SubscriptionStoreShape> = Effect.sync(() => {
  const teamspaces = new Map<Ids.TeamspaceId, Teamspace>()

  const lookup = (teamspace: Ids.TeamspaceId): Teamspace | undefined => teamspaces.get(teamspace)

  const create = (teamspace: Ids.TeamspaceId): Teamspace => {
    let space = teamspaces.get(teamspace)
    if (space === undefined) {
      space = { byId: new Map(), ids: [], byEvent: new Map() }
      teamspaces.set(teamspace, space)
    }
    return space
  }

  const index = (space: Teamspace, webhook: Webhook.Webhook) => {
    if (!webhook.enabled) return
    for (const eventType of webhook.events) {
      let ids = space.byEvent.get(eventType)
      if (ids === undefined) {
        ids = []
        space.byEvent.set(eventType, ids)
      }
      SortedArray.insert(ids, webhook.id)
    }
  }

  const unindex = (space: Teamspace, webhook: Webhook.Webhook) => {
    for (const eventType of webhook.events) {
      const ids = space.byEvent.get(eventType)
      if (ids === undefined) continue
      SortedArray.remove(ids, webhook.id)
      if (ids.length === 0) space.byEvent.delete(eventType)
    }
  }

  /** Stores `webhook`, replacing (and unindexing) any previous version. */
  const put = (space: Teamspace, webhook: Webhook.Webhook) => {
    const previous = space.byId.get(webhook.id)
    if (previous !== undefined) unindex(space, previous)
    else SortedArray.insert(space.ids, webhook.id)
    space.byId.set(webhook.id, webhook)
    index(space, webhook)
  }

  const insert = (webhook: Webhook.Webhook) => Effect.sync(() => put(create(webhook.teamspace), webhook))

  const get = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) =>
    Effect.sync(() => Option.fromNullable(lookup(teamspace)?.byId.get(id)))

  const update = (webhook: Webhook.Webhook) =>
    Effect.sync(() => {
      const space = lookup(webhook.teamspace)
      if (space === undefined || !space.byId.has(webhook.id)) return false
      put(space, webhook)
      return true
    })

  const remove = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) =>
    Effect.sync(() => {
      const space = lookup(teamspace)
      const webhook = space?.byId.get(id)
      if (space === undefined || webhook === undefined) return false
      unindex(space, webhook)
      space.byId.delete(id)
      SortedArray.remove(space.ids, id)
      return true
    })

  const list = (teamspace: Ids.TeamspaceId, query: SubscriptionStore.PageQuery) =>
    Effect.sync(() => {
      const space = lookup(teamspace)
      if (space === undefined) return []
      return SortedArray.window(space.ids, query).map((id) => space.byId.get(id)!)
    })

  const count = (teamspace: Ids.TeamspaceId) => Effect.sync(() => lookup(teamspace)?.byId.size ?? 0)

  const active = (teamspace: Ids.TeamspaceId, eventType: EventType.EventType) =>
    Effect.sync(() => {
      const space = lookup(teamspace)
      const ids = space?.byEvent.get(eventType)
      if (space === undefined || ids === undefined) return []
      // Id order, so a fan-out enqueues in creation order whatever the update history.
      return ids.map((id) => space.byId.get(id)!)
    })

  const activePage = (
    teamspace: Ids.TeamspaceId,
    eventType: EventType.EventType,
    page: { readonly after?: Ids.WebhookId | undefined; readonly limit: number }
  ) =>
    Effect.sync((): Array<SubscriptionStore.FanOutTarget> => {
      const space = lookup(teamspace)
      const ids = space?.byEvent.get(eventType)
      if (space === undefined || ids === undefined) return []
      return SortedArray.window(ids, { after: page.after, limit: page.limit, order: "asc" })
        .map((id) => ({ id, ordered: space.byId.get(id)!.ordered }))
    })

  return { insert, get, update, remove, list, count, active, activePage }
})

/**
 * Provides `SubscriptionStore` in memory, empty at each build of the layer; `MemoryLayer.layer`
 * includes it.
 */
export const layer: Layer.Layer<SubscriptionStore.SubscriptionStore> = Layer.effect(
  SubscriptionStore.SubscriptionStore,
  make
)
