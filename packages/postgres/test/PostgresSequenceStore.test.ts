// What the conformance suite cannot see: one order and one head under concurrency from separate
// pools (as separate processes), and `head_since`, the mark the reconciler reads.
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option } from "effect"
import { Ids, SequenceStore } from "@herald/core"
import { PostgresSequenceStore } from "@herald/postgres"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

const events = (count: number) => Array.from({ length: count }, () => Ids.makeEventId())

describe.skipIf(!available)(`PostgresSequenceStore ${skipReason}`, () => {
  const { client } = useDatabase()
  /** A store on its own pool: each stands for a process. */
  const store = (connections = 4) => Layer.provideMerge(PostgresSequenceStore.layer, client(connections))

  /** `count` stores, each on its own pool, as many processes would be; closed with the scope. */
  const processes = (count: number) =>
    Effect.forEach(
      Array.from({ length: count }),
      () => Effect.map(Layer.build(store(3)), Context.get(SequenceStore.SequenceStore)),
      { concurrency: "unbounded" }
    )

  /** The entries of a webhook that carry a `head_since`, in order. */
  const marked = (webhookId: Ids.WebhookId) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.map(
        sql<{ readonly event_id: string }>`SELECT event_id FROM herald_sequence_entries
          WHERE webhook_id = ${webhookId} AND head_since IS NOT NULL ORDER BY seq`,
        (rows) => rows.map((row) => row.event_id)
      ))

  it.live("concurrent enters from several processes keep one order, each call's events together, and one head", () =>
    Effect.gen(function*() {
      const teamspace = Fixtures.teamspace()
      const webhook = Ids.makeWebhookId()
      const batches = Array.from({ length: 12 }, () => events(5))
      const pools = yield* processes(4)
      const heads = yield* Effect.forEach(
        batches,
        (batch, n) => pools[n % pools.length]!.enter(teamspace, webhook, batch),
        { concurrency: "unbounded" }
      )
      const first = heads.map(Option.getOrThrow)
      // Every call saw the same head: the first event of whichever call committed first.
      expect(new Set(first).size).toBe(1)
      expect(yield* marked(webhook)).toEqual([first[0]])

      const order = yield* pools[0]!.drain(teamspace, webhook)
      expect(order[0]).toBe(first[0])
      // The order is the calls' batches one after another, each whole and as given.
      const byFirst = new Map(batches.map((batch) => [batch[0]!, batch]))
      const rebuilt: Array<Ids.EventId> = []
      while (rebuilt.length < order.length) {
        const batch = byFirst.get(order[rebuilt.length]!)
        expect(batch).toBeDefined()
        rebuilt.push(...batch!)
      }
      expect(order).toEqual(rebuilt)
      expect(order).toHaveLength(60)
    }).pipe(Effect.scoped, Effect.provide(client(1))))

  it.live("enters racing advances from several processes: each event leaves once, in order, one head at a time", () =>
    Effect.gen(function*() {
      const teamspace = Fixtures.teamspace()
      const webhook = Ids.makeWebhookId()
      const ids = events(30)
      const pools = yield* processes(3)
      // One at a time, in order, as the publisher enters them; a consumer advances each head it is
      // given, as the worker does when a head settles, while the rest are still entering.
      const entering = Effect.forEach(ids, (id, n) => pools[n % pools.length]!.enter(teamspace, webhook, [id]))
      const left: Array<Ids.EventId> = []
      const consuming = Effect.gen(function*() {
        let n = 0
        while (left.length < ids.length) {
          const head = yield* pools[n++ % pools.length]!.enter(teamspace, webhook, [])
          if (Option.isNone(head)) continue
          // Two advances of the same head, from two processes at once (a repeated job): it moves
          // once, or an event would be missing from what left.
          yield* Effect.all([
            pools[0]!.advance(teamspace, webhook, head.value),
            pools[1]!.advance(teamspace, webhook, head.value)
          ], { concurrency: "unbounded" })
          left.push(head.value)
        }
      })
      yield* Effect.all([entering, consuming], { concurrency: "unbounded" })
      expect(left).toEqual(ids)
      expect(yield* marked(webhook)).toEqual([])
      expect(yield* pools[2]!.drain(teamspace, webhook)).toEqual([])
    }).pipe(Effect.scoped, Effect.provide(client(1))))

  it.live("head_since marks the head alone, set once when it becomes the head and moved by advance", () =>
    Effect.gen(function*() {
      const sequences = yield* SequenceStore.SequenceStore
      const sql = yield* SqlClient.SqlClient
      const teamspace = Fixtures.teamspace()
      const webhook = Ids.makeWebhookId()
      const [a, b, c] = events(3) as [Ids.EventId, Ids.EventId, Ids.EventId]
      const since = (eventId: Ids.EventId) =>
        Effect.map(
          sql<{ readonly since: Date | null }>`SELECT head_since AS since FROM herald_sequence_entries
            WHERE webhook_id = ${webhook} AND event_id = ${eventId}`,
          (rows) => rows[0]?.since
        )

      yield* sequences.enter(teamspace, webhook, [a, b])
      expect(yield* marked(webhook)).toEqual([a])
      const first = yield* since(a)
      yield* sequences.enter(teamspace, webhook, [c, a])
      yield* sequences.advance(teamspace, webhook, b)
      // Neither a later enter nor an advance of another event touches the head's mark.
      expect(yield* since(a)).toEqual(first)
      expect(yield* marked(webhook)).toEqual([a])
      yield* sequences.advance(teamspace, webhook, a)
      expect(yield* marked(webhook)).toEqual([b])
      yield* sequences.drain(teamspace, webhook)
      expect(yield* marked(webhook)).toEqual([])
    }).pipe(Effect.provide(store())))

  it.live("the same webhook id in another teamspace is another sequence", () =>
    Effect.gen(function*() {
      const sequences = yield* SequenceStore.SequenceStore
      const [one, two] = [Fixtures.teamspace(), Fixtures.teamspace()]
      const webhook = Ids.makeWebhookId()
      const [a, b] = events(2) as [Ids.EventId, Ids.EventId]
      yield* sequences.enter(one, webhook, [a])
      expect(yield* sequences.enter(two, webhook, [b])).toEqual(Option.some(b))
      // An advance in the other teamspace does not move this one's head.
      expect(yield* sequences.advance(two, webhook, a)).toEqual(Option.some(b))
      expect(yield* sequences.advance(one, webhook, a)).toEqual(Option.none())
      expect(yield* sequences.drain(two, webhook)).toEqual([b])
    }).pipe(Effect.provide(store())))
})
