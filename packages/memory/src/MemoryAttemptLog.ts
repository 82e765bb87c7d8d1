/**
 * AttemptLog in memory.
 *
 * Per teamspace, attempt ids are kept in ascending order three ways: all of
 * them, per webhook and per event. Attempt ids are ULIDs, so newest first is a
 * walk backwards from the `before` cursor (found by binary search) over the
 * narrowest index the query allows; no list scans every attempt.
 *
 * Memory stays bounded: each webhook keeps its newest `MAX_ATTEMPTS_PER_WEBHOOK`
 * attempts, older ones are dropped from every index.
 */
import { Effect, Layer } from "effect"
import { type Attempt, AttemptLog, type Ids } from "@herald/core"
import * as SortedArray from "./internal/SortedArray.js"

/** How many attempts are kept per webhook (the newest). */
export const MAX_ATTEMPTS_PER_WEBHOOK = 1_000

interface Teamspace {
  readonly byId: Map<Ids.AttemptId, Attempt.Attempt>
  /** Each array ascending. */
  readonly all: Array<Ids.AttemptId>
  readonly byWebhook: Map<Ids.WebhookId, Array<Ids.AttemptId>>
  readonly byEvent: Map<Ids.EventId, Array<Ids.AttemptId>>
}

const addTo = <K>(index: Map<K, Array<Ids.AttemptId>>, key: K, id: Ids.AttemptId) => {
  let ids = index.get(key)
  if (ids === undefined) {
    ids = []
    index.set(key, ids)
  }
  SortedArray.insert(ids, id)
  return ids
}

const removeFrom = <K>(index: Map<K, Array<Ids.AttemptId>>, key: K, id: Ids.AttemptId) => {
  const ids = index.get(key)
  if (ids === undefined) return
  SortedArray.remove(ids, id)
  if (ids.length === 0) index.delete(key)
}

/**
 * A new, empty in-memory `AttemptLog`; for composing it yourself (tests, tools). Most callers want
 * `layer`.
 */
export const make: Effect.Effect<AttemptLog.AttemptLogShape> = Effect.sync(() => {
  const teamspaces = new Map<Ids.TeamspaceId, Teamspace>()

  const create = (teamspace: Ids.TeamspaceId): Teamspace => {
    let space = teamspaces.get(teamspace)
    if (space === undefined) {
      space = { byId: new Map(), all: [], byWebhook: new Map(), byEvent: new Map() }
      teamspaces.set(teamspace, space)
    }
    return space
  }

  const forget = (space: Teamspace, attempt: Attempt.Attempt) => {
    space.byId.delete(attempt.id)
    SortedArray.remove(space.all, attempt.id)
    removeFrom(space.byWebhook, attempt.webhookId, attempt.id)
    removeFrom(space.byEvent, attempt.eventId, attempt.id)
  }

  const record = (attempt: Attempt.Attempt) =>
    Effect.sync(() => {
      const space = create(attempt.teamspace)
      // Recording an id twice replaces it (its webhook or event may differ).
      const previous = space.byId.get(attempt.id)
      if (previous !== undefined) forget(space, previous)
      space.byId.set(attempt.id, attempt)
      SortedArray.insert(space.all, attempt.id)
      addTo(space.byEvent, attempt.eventId, attempt.id)
      const forWebhook = addTo(space.byWebhook, attempt.webhookId, attempt.id)
      while (forWebhook.length > MAX_ATTEMPTS_PER_WEBHOOK) {
        forget(space, space.byId.get(forWebhook[0]!)!)
      }
    })

  const list = (query: AttemptLog.AttemptQuery) =>
    Effect.sync(() => {
      const space = teamspaces.get(query.teamspace)
      if (space === undefined || query.limit < 1) return []
      // The narrowest index the query allows: an event has few attempts, a webhook at most the cap.
      const ids = query.eventId !== undefined
        ? space.byEvent.get(query.eventId) ?? []
        : query.webhookId !== undefined
        ? space.byWebhook.get(query.webhookId) ?? []
        : space.all
      const out: Array<Attempt.Attempt> = []
      const end = query.before === undefined ? ids.length : SortedArray.lowerBound(ids, query.before)
      for (let i = end - 1; i >= 0 && out.length < query.limit; i--) {
        const attempt = space.byId.get(ids[i]!)!
        if (query.webhookId !== undefined && attempt.webhookId !== query.webhookId) continue
        if (query.eventType !== undefined && attempt.eventType !== query.eventType) continue
        if (query.successful !== undefined && attempt.successful !== query.successful) continue
        out.push(attempt)
      }
      return out
    })

  return { record, list }
})

/**
 * Provides `AttemptLog` in memory, empty at each build of the layer; `MemoryLayer.layer` includes
 * it. Keeps each webhook's newest `MAX_ATTEMPTS_PER_WEBHOOK` attempts.
 */
export const layer: Layer.Layer<AttemptLog.AttemptLog> = Layer.effect(AttemptLog.AttemptLog, make)
