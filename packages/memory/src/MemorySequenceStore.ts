/**
 * SequenceStore in memory: an insertion-ordered Set per webhook (membership and
 * order in one structure), emptied sequences deleted so memory follows the
 * webhooks that have something waiting. Each sequence also keeps since when its
 * head has been the head (on the Effect `Clock`), which the memory
 * `DeliveryLedger` reads as PostgreSQL's reads `head_since`.
 */
import { Clock, Context, Effect, Layer, Option } from "effect"
import { type Ids, SequenceStore } from "@herald/core"

/** The head of a webhook's sequence and since when it has been the head: what `heads` reports. */
export interface Head {
  readonly teamspace: Ids.TeamspaceId
  readonly webhookId: Ids.WebhookId
  readonly eventId: Ids.EventId
  readonly since: number
}

/** The port plus the heads of every sequence, for `MemoryDeliveryLedger`. */
export interface MemorySequenceStoreShape extends SequenceStore.SequenceStoreShape {
  /** Every non-empty sequence's head, in webhook id order. */
  readonly heads: Effect.Effect<ReadonlyArray<Head>>
  /** Whether the event waits in the webhook's sequence (as its head or behind it). */
  readonly isWaiting: (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId, eventId: Ids.EventId) => Effect.Effect<boolean>
}

/**
 * The in-memory sequence store with its `heads`, for `MemoryDeliveryLedger`. `layer` provides it
 * beside the `SequenceStore` port.
 */
export class MemorySequenceStore extends Context.Tag("@herald/memory/MemorySequenceStore")<
  MemorySequenceStore,
  MemorySequenceStoreShape
>() {}

interface Sequence {
  readonly teamspace: Ids.TeamspaceId
  readonly webhookId: Ids.WebhookId
  readonly events: Set<Ids.EventId>
  /** When the current head became the head. */
  since: number
}

/**
 * A new, empty in-memory `SequenceStore`; for composing it yourself (tests, tools). Most callers
 * want `layer`.
 */
export const make: Effect.Effect<MemorySequenceStoreShape> = Effect.sync(() => {
  const sequences = new Map<string, Sequence>()
  const keyOf = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId) => `${teamspace}/${webhookId}`
  const headOf = (sequence: Sequence | undefined): Option.Option<Ids.EventId> =>
    Option.fromNullable(sequence?.events.values().next().value)

  const enter = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId, eventIds: ReadonlyArray<Ids.EventId>) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const key = keyOf(teamspace, webhookId)
      let sequence = sequences.get(key)
      if (sequence === undefined && eventIds.length > 0) {
        sequence = { teamspace, webhookId, events: new Set(), since: now }
        sequences.set(key, sequence)
      }
      // A Set keeps first-insertion order, so an event already waiting keeps its place.
      for (const id of eventIds) sequence!.events.add(id)
      return headOf(sequence)
    })

  const advance = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId, eventId: Ids.EventId) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const key = keyOf(teamspace, webhookId)
      const sequence = sequences.get(key)
      if (sequence === undefined) return Option.none()
      if (Option.getOrUndefined(headOf(sequence)) === eventId) {
        sequence.events.delete(eventId)
        sequence.since = now
      }
      if (sequence.events.size === 0) sequences.delete(key)
      return headOf(sequence)
    })

  const drain = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId) =>
    Effect.sync(() => {
      const key = keyOf(teamspace, webhookId)
      const waiting = [...(sequences.get(key)?.events ?? [])]
      sequences.delete(key)
      return waiting
    })

  const heads = Effect.sync(() =>
    [...sequences.values()]
      .flatMap((sequence) =>
        Option.match(headOf(sequence), {
          onNone: () => [],
          onSome: (eventId) => [{ teamspace: sequence.teamspace, webhookId: sequence.webhookId, eventId, since: sequence.since }]
        })
      )
      .sort((a, b) => (a.webhookId < b.webhookId ? -1 : a.webhookId > b.webhookId ? 1 : 0))
  )

  const isWaiting = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId, eventId: Ids.EventId) =>
    Effect.sync(() => sequences.get(keyOf(teamspace, webhookId))?.events.has(eventId) === true)

  return { enter, advance, drain, heads, isWaiting }
})

/**
 * Provides `SequenceStore` in memory, empty at each build of the layer, and the same store as
 * `MemorySequenceStore` (for `MemoryDeliveryLedger`); `MemoryLayer.layer` includes it.
 */
export const layer: Layer.Layer<SequenceStore.SequenceStore | MemorySequenceStore> = Layer.effectContext(
  Effect.map(make, (store) => Context.make(SequenceStore.SequenceStore, store).pipe(Context.add(MemorySequenceStore, store)))
)
