/**
 * EventStore in memory, keyed by (teamspace, id): the same id published in two
 * teamspaces is two events. `append` checks and sets inside one synchronous
 * step, so of concurrent appends of one id exactly one is `Appended`.
 *
 * Listings read sorted indexes of `EventCursor.sortKey`s (one per teamspace and
 * one per (teamspace, type)), so a page is a binary search and a slice.
 */
import { Effect, Layer, Option } from "effect"
import { type Event, EventCursor, EventStore, type EventType, type Ids } from "@herald/core"
import * as SortedArray from "./internal/SortedArray.js"

interface Stored {
  readonly event: Event.Event
  dispatched: boolean
}

interface Teamspace {
  readonly byId: Map<Ids.EventId, Stored>
  readonly bySortKey: Map<string, Event.Event>
  readonly all: Array<string>
  readonly byType: Map<EventType.EventType, Array<string>>
}

/** The newest `limit` sort keys of an ascending index within [from, to). */
const newest = (index: ReadonlyArray<string>, from: string | undefined, to: string | undefined, limit: number) => {
  const start = from === undefined ? 0 : SortedArray.lowerBound(index, from)
  const end = to === undefined ? index.length : SortedArray.lowerBound(index, to)
  return start >= end ? [] : index.slice(Math.max(start, end - limit), end)
}

/**
 * A new, empty in-memory `EventStore`; for composing it yourself (tests, tools). Most callers want
 * `layer`.
 */
export const make: Effect.Effect<EventStore.EventStoreShape> = Effect.sync(() => {
  const teamspaces = new Map<Ids.TeamspaceId, Teamspace>()

  const teamspaceOf = (id: Ids.TeamspaceId): Teamspace => {
    let found = teamspaces.get(id)
    if (found === undefined) {
      found = { byId: new Map(), bySortKey: new Map(), all: [], byType: new Map() }
      teamspaces.set(id, found)
    }
    return found
  }

  const append = (event: Event.Event) =>
    Effect.sync((): EventStore.AppendResult => {
      const space = teamspaceOf(event.teamspace)
      const existing = space.byId.get(event.id)
      if (existing !== undefined) return { _tag: "Exists", existing: existing.event, dispatched: existing.dispatched }
      space.byId.set(event.id, { event, dispatched: false })
      const sortKey = EventCursor.sortKey(event)
      space.bySortKey.set(sortKey, event)
      SortedArray.insert(space.all, sortKey)
      let ofType = space.byType.get(event.type)
      if (ofType === undefined) {
        ofType = []
        space.byType.set(event.type, ofType)
      }
      SortedArray.insert(ofType, sortKey)
      return { _tag: "Appended" }
    })

  const get = (teamspace: Ids.TeamspaceId, id: Ids.EventId) =>
    Effect.sync(() => Option.fromNullable(teamspaces.get(teamspace)?.byId.get(id)?.event))

  const list = (query: EventStore.EventQuery) =>
    Effect.sync((): ReadonlyArray<Event.Event> => {
      const space = teamspaces.get(query.teamspace)
      const limit = Math.max(0, Math.floor(query.limit))
      if (space === undefined || limit === 0) return []
      const indexes = query.types === undefined || query.types.length === 0
        ? [space.all]
        : [...new Set(query.types)].map((type) => space.byType.get(type) ?? [])
      const { from, to } = EventCursor.range(query)
      return indexes
        .flatMap((index) => newest(index, from, to, limit))
        .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))
        .slice(0, limit)
        .map((sortKey) => space.bySortKey.get(sortKey)!)
    })

  const markDispatched = (teamspace: Ids.TeamspaceId, id: Ids.EventId) =>
    Effect.sync(() => {
      const stored = teamspaces.get(teamspace)?.byId.get(id)
      if (stored !== undefined) stored.dispatched = true
    })

  // Each append is one synchronous step already: a batch is the same steps in order.
  const appendAll = (events: ReadonlyArray<Event.Event>) => Effect.forEach(events, append)
  const markDispatchedAll = (teamspace: Ids.TeamspaceId, ids: ReadonlyArray<Ids.EventId>) =>
    Effect.forEach(ids, (id) => markDispatched(teamspace, id), { discard: true })

  return { append, appendAll, get, list, markDispatched, markDispatchedAll }
})

/**
 * Provides `EventStore` in memory, empty at each build of the layer; `MemoryLayer.layer` includes
 * it. Events are kept for the life of the process.
 */
export const layer: Layer.Layer<EventStore.EventStore> = Layer.effect(EventStore.EventStore, make)
