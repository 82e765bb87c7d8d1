/**
 * EventTypeStore in memory: each teamspace's definitions by profile and name.
 */
import { Effect, Equal, Layer } from "effect"
import { EventTypeStore } from "@herald/core"

const keyOf = (definition: EventTypeStore.EventTypeDefinition) => `${definition.profile}\u0000${definition.name}`

/**
 * A new, empty in-memory `EventTypeStore`; for composing it yourself (tests, tools). Most callers
 * want `layer`.
 */
export const make: Effect.Effect<EventTypeStore.EventTypeStoreShape> = Effect.sync(() => {
  const teamspaces = new Map<string, Map<string, EventTypeStore.EventTypeDefinition>>()
  const of = (teamspace: string) => {
    let definitions = teamspaces.get(teamspace)
    if (definitions === undefined) teamspaces.set(teamspace, definitions = new Map())
    return definitions
  }
  return {
    list: (teamspace) =>
      Effect.sync(() =>
        [...(teamspaces.get(teamspace)?.values() ?? [])].sort(EventTypeStore.order)
      ),
    insert: (definition) =>
      Effect.sync(() => {
        const definitions = of(definition.teamspace)
        if (definitions.has(keyOf(definition))) return false
        definitions.set(keyOf(definition), definition)
        return true
      }),
    update: (definition, previous) =>
      Effect.sync(() => {
        const definitions = of(definition.teamspace)
        const stored = definitions.get(keyOf(definition))
        // Compared by value, as the other adapters compare the encoded records.
        if (stored === undefined || !Equal.equals(stored, previous)) return false
        definitions.set(keyOf(definition), definition)
        return true
      })
  }
})

/** Provides `EventTypeStore` in memory, empty at each build of the layer; `MemoryLayer.layer` includes it. */
export const layer: Layer.Layer<EventTypeStore.EventTypeStore> = Layer.effect(EventTypeStore.EventTypeStore, make)
