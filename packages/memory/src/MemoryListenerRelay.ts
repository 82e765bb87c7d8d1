/**
 * ListenerRelay in memory: for one process that both serves the API and
 * delivers (the embedded mode, tests). A delivery goes to every stream attached
 * to its listener (normally one); answers settle the waiting delivery
 * directly. Leases are a map, swept by expiry time.
 */
import { randomBytes } from "node:crypto"
import { type Ids, ListenerRelay } from "@herald/core"
import { Effect, Layer, Queue } from "effect"

const keyOf = (teamspace: Ids.TeamspaceId, listenerId: string) => `${teamspace}\n${listenerId}`

/** A new, empty in-memory relay; most callers want `layer`. */
export const make = (): ListenerRelay.ListenerRelayShape => {
  const streams = new Map<string, Set<Queue.Queue<ListenerRelay.RelayedDelivery>>>()
  const leases = new Map<string, { readonly lease: ListenerRelay.ListenerLease; until: number }>()
  const pending = new ListenerRelay.PendingAnswers()

  return {
    send: (teamspace, listenerId, delivery, timeoutMs) =>
      Effect.suspend(() => {
        const key = keyOf(teamspace, listenerId)
        const id = randomBytes(16).toString("hex")
        const offer = Effect.suspend(() => {
          const attached = streams.get(key)
          if (attached === undefined || attached.size === 0) return Effect.fail(ListenerRelay.notConnected())
          return Effect.forEach(attached, (queue) => Queue.offer(queue, { ...delivery, id }), { discard: true })
        })
        return pending.wait(id, key, timeoutMs, offer)
      }),
    attach: (teamspace, listenerId) =>
      Effect.acquireRelease(
        Effect.flatMap(Queue.unbounded<ListenerRelay.RelayedDelivery>(), (queue) =>
          Effect.sync(() => {
            const key = keyOf(teamspace, listenerId)
            const attached = streams.get(key) ?? new Set()
            attached.add(queue)
            streams.set(key, attached)
            return queue
          })),
        (queue) =>
          Effect.zipRight(
            Effect.sync(() => {
              const key = keyOf(teamspace, listenerId)
              const attached = streams.get(key)
              attached?.delete(queue)
              if (attached?.size === 0) streams.delete(key)
            }),
            Queue.shutdown(queue)
          )
      ),
    answer: (teamspace, listenerId, id, answer) =>
      Effect.flatMap(
        pending.settle(id, keyOf(teamspace, listenerId), answer),
        (settled) => settled ? Effect.void : Effect.fail(new ListenerRelay.NoSuchDelivery({ id }))
      ),
    lease: (lease, until) =>
      Effect.sync(() => {
        leases.set(keyOf(lease.teamspace, lease.listenerId), { lease, until })
      }),
    find: (teamspace, listenerId) => Effect.sync(() => leases.get(keyOf(teamspace, listenerId))?.lease),
    release: (teamspace, listenerId) =>
      Effect.sync(() => {
        leases.delete(keyOf(teamspace, listenerId))
      }),
    expired: (now, limit) =>
      Effect.sync(() => {
        const claimed: Array<ListenerRelay.ListenerLease> = []
        for (const [key, entry] of leases) {
          if (claimed.length >= limit) break
          if (entry.until < now) {
            leases.delete(key)
            claimed.push(entry.lease)
          }
        }
        return claimed
      })
  }
}

/** Provides `ListenerRelay` in memory, empty at each build. */
export const layer: Layer.Layer<ListenerRelay.ListenerRelay> = Layer.sync(ListenerRelay.ListenerRelay, make)
