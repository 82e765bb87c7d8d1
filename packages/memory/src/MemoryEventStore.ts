/**
 * EventStore in memory, keyed by (teamspace, id): the same id published in two
 * teamspaces is two events. `append` checks and sets inside one synchronous
 * step, so of concurrent appends of one id exactly one is `Appended`.
 */
import { Effect, Layer, Option } from "effect"
import { type Event, EventStore, type Ids } from "@herald/core"

export const make: Effect.Effect<EventStore.EventStoreShape> = Effect.sync(() => {
  const teamspaces = new Map<Ids.TeamspaceId, Map<Ids.EventId, { readonly event: Event.Event; dispatched: boolean }>>()

  const append = (event: Event.Event) =>
    Effect.sync((): EventStore.AppendResult => {
      let events = teamspaces.get(event.teamspace)
      if (events === undefined) {
        events = new Map()
        teamspaces.set(event.teamspace, events)
      }
      const existing = events.get(event.id)
      if (existing !== undefined) return { _tag: "Exists", existing: existing.event, dispatched: existing.dispatched }
      events.set(event.id, { event, dispatched: false })
      return { _tag: "Appended" }
    })

  const get = (teamspace: Ids.TeamspaceId, id: Ids.EventId) =>
    Effect.sync(() => Option.fromNullable(teamspaces.get(teamspace)?.get(id)?.event))

  const markDispatched = (teamspace: Ids.TeamspaceId, id: Ids.EventId) =>
    Effect.sync(() => {
      const stored = teamspaces.get(teamspace)?.get(id)
      if (stored !== undefined) stored.dispatched = true
    })

  return { append, get, markDispatched }
})

export const layer: Layer.Layer<EventStore.EventStore> = Layer.effect(EventStore.EventStore, make)
