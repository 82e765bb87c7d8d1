/**
 * SequenceStore in memory: an insertion-ordered Set per webhook (membership and
 * order in one structure), emptied sequences deleted so memory follows the
 * webhooks that have something waiting.
 */
import { Effect, Layer, Option } from "effect"
import { type Ids, SequenceStore } from "@herald/core"

/**
 * A new, empty in-memory `SequenceStore`; for composing it yourself (tests, tools). Most callers
 * want `layer`.
 */
export const make: Effect.Effect<SequenceStore.SequenceStoreShape> = Effect.sync(() => {
  const sequences = new Map<string, Set<Ids.EventId>>()
  const keyOf = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId) => `${teamspace}/${webhookId}`
  const headOf = (sequence: Set<Ids.EventId> | undefined): Option.Option<Ids.EventId> =>
    Option.fromNullable(sequence?.values().next().value)

  const enter = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId, eventIds: ReadonlyArray<Ids.EventId>) =>
    Effect.sync(() => {
      const key = keyOf(teamspace, webhookId)
      let sequence = sequences.get(key)
      if (sequence === undefined && eventIds.length > 0) {
        sequence = new Set()
        sequences.set(key, sequence)
      }
      // A Set keeps first-insertion order, so an event already waiting keeps its place.
      for (const id of eventIds) sequence!.add(id)
      return headOf(sequence)
    })

  const advance = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId, eventId: Ids.EventId) =>
    Effect.sync(() => {
      const key = keyOf(teamspace, webhookId)
      const sequence = sequences.get(key)
      if (sequence === undefined) return Option.none()
      if (Option.getOrUndefined(headOf(sequence)) === eventId) sequence.delete(eventId)
      if (sequence.size === 0) sequences.delete(key)
      return headOf(sequence)
    })

  const drain = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId) =>
    Effect.sync(() => {
      const key = keyOf(teamspace, webhookId)
      const waiting = [...(sequences.get(key) ?? [])]
      sequences.delete(key)
      return waiting
    })

  return { enter, advance, drain }
})

/** Provides `SequenceStore` in memory, empty at each build of the layer; `MemoryLayer.layer` includes it. */
export const layer: Layer.Layer<SequenceStore.SequenceStore> = Layer.effect(SequenceStore.SequenceStore, make)
