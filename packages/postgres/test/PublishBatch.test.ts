// A batch publish on PostgreSQL, counted in statements: `appendAll` and `DeliveryLedger.oweAll` are
// each one statement for the whole batch (plus one read when some ids were already stored), so
// `FanOut.publishBatchStep` of new events of one type is three, whatever the batch's size. Counted
// at the driver: every statement the stores run reaches `pg`'s `Client.prototype.query` once (the
// pool's clients subclass it), and nothing else runs on this file's private database meanwhile.
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Ref } from "effect"
import {
  DeliveryJob,
  DeliveryLedger,
  DeliveryQueue,
  EventStore,
  FanOut,
  Ids,
  RetrySchedule,
  Sequencer,
  SubscriptionStore
} from "@herald/core"
import { PostgresDeliveryLedger, PostgresEventStore, PostgresSequenceStore, PostgresSubscriptionStore } from "@herald/postgres"
import { Fixtures } from "@herald/testkit"
import Pg from "pg"
import { vi } from "vitest"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

const DAY = 24 * 60 * 60 * 1000

/** Statements sent to the server since the last `reset`. */
let statements = 0
beforeEach(() => {
  const query = Pg.Client.prototype.query
  vi.spyOn(Pg.Client.prototype, "query").mockImplementation(function(this: Pg.Client, ...args: Array<unknown>) {
    statements++
    return (query as (...args: Array<unknown>) => unknown).apply(this, args) as never
  })
})
afterEach(() => {
  vi.restoreAllMocks()
})
/** The statements `effect` sends. */
const counted = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = statements
    const result = yield* effect
    return { result, statements: statements - before }
  })

/** A queue that keeps what it is given. */
class RecordingQueue extends Effect.Service<RecordingQueue>()("test/PublishBatch/RecordingQueue", {
  effect: Effect.gen(function*() {
    const enqueued = yield* Ref.make<ReadonlyArray<DeliveryJob.QueueTask>>([])
    const shape: DeliveryQueue.DeliveryQueueShape = {
      enqueue: (jobs) => Ref.update(enqueued, (all) => [...all, ...jobs]),
      expedite: () => Effect.dieMessage("not used"),
      consume: () => Effect.dieMessage("not used"),
      epoch: Effect.succeed("epoch")
    }
    return { enqueued, shape } as const
  })
}) {}

describe.skipIf(!available)(`A batch publish on PostgreSQL ${skipReason}`, () => {
  const { client } = useDatabase()

  const stores = () =>
    Layer.mergeAll(
      PostgresSubscriptionStore.layer,
      PostgresEventStore.layer({ owesFirstPage: true }),
      PostgresSequenceStore.layer,
      PostgresDeliveryLedger.layer
    ).pipe(Layer.provide(client(8)))

  const layer = () =>
    FanOut.FanOut.Default.pipe(
      Layer.provideMerge(Sequencer.Sequencer.Default),
      Layer.provideMerge(Layer.effect(DeliveryQueue.DeliveryQueue, Effect.map(RecordingQueue, (queue) => queue.shape))),
      Layer.provideMerge(RecordingQueue.Default),
      Layer.provideMerge(stores()),
      Layer.provideMerge(RetrySchedule.layer([0, 60_000]))
    )

  const batch = (teamspace: Ids.TeamspaceId, size: number, time = Date.now()) =>
    Array.from({ length: size }, (_, n) => Fixtures.event({ teamspace, time, data: { n } }))

  it.live("appendAll of 500 new events is one statement, and of a batch holding stored ids two", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const teamspace = Fixtures.teamspace()
      const fresh = batch(teamspace, 500)
      const first = yield* counted(events.appendAll(fresh))
      expect(first.result).toEqual(fresh.map(() => ({ _tag: "Appended" })))
      expect(first.statements).toBe(1)

      const mixed = [...batch(teamspace, 250), ...fresh.slice(0, 250)]
      const second = yield* counted(events.appendAll(mixed))
      expect(second.result.slice(0, 250)).toEqual(mixed.slice(0, 250).map(() => ({ _tag: "Appended" })))
      expect(second.result.slice(250)).toEqual(
        fresh.slice(0, 250).map((existing) => ({ _tag: "Exists", existing, dispatched: false }))
      )
      expect(second.statements).toBe(2)
    }).pipe(Effect.provide(stores())))

  it.live("publishBatchStep of 500 new events of one type, three webhooks: three statements, 1,500 deliveries owed and enqueued", () =>
    Effect.gen(function*() {
      const subscriptions = yield* SubscriptionStore.SubscriptionStore
      const fanOut = yield* FanOut.FanOut
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const queue = yield* RecordingQueue
      const teamspace = Fixtures.teamspace()
      const hooks = Array.from({ length: 3 }, () => Fixtures.webhook({ teamspace }))
      for (const hook of hooks) yield* subscriptions.insert(hook)
      const events = batch(teamspace, 500)

      const { result, statements } = yield* counted(fanOut.publishBatchStep(events))
      expect(result.map((step) => [step.appended._tag, step.deliveries])).toEqual(events.map(() => ["Appended", 3]))
      // The append, the type's page, the owe.
      expect(statements).toBe(3)

      const jobs = (yield* Ref.get(queue.enqueued)).filter((job): job is DeliveryJob.DeliveryJob => job instanceof DeliveryJob.DeliveryJob)
      expect(jobs).toHaveLength(1_500)
      const owed = (yield* ledger.overdue({ limit: 100_000 })).filter((row) => row.teamspace === teamspace)
      expect(owed).toHaveLength(1_500)
      // Each fan-out fully owed: its cursor is gone, so no step of it wins again.
      expect(yield* ledger.owe(events[0]!, [], Option.none(), Option.none())).toBe(false)
    }).pipe(Effect.provide(layer())))

  it.live("a batch on a day without a partition makes it and appends every event", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const teamspace = Fixtures.teamspace()
      const later = batch(teamspace, 3, Date.now() + 600 * DAY)
      const today = batch(teamspace, 2)
      const all = [later[0]!, today[0]!, later[1]!, today[1]!, later[2]!]
      expect(yield* events.appendAll(all)).toEqual(all.map(() => ({ _tag: "Appended" })))
      for (const event of all) {
        expect(Option.map(yield* events.get(teamspace, event.id), (got) => got.dataJson)).toEqual(Option.some(event.dataJson))
      }
    }).pipe(Effect.provide(stores())))

  it.live("concurrent batches sharing ids: each id appended once, the others find the winner's event", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const teamspace = Fixtures.teamspace()
      const time = Date.now()
      const ids = Array.from({ length: 60 }, () => Ids.makeEventId(time))
      // Four batches of the same ids, each in its own order and with its own data.
      const batches = Array.from({ length: 4 }, (_, b) =>
        (b % 2 === 0 ? ids : [...ids].reverse()).map((id) => Fixtures.event({ teamspace, id, time, data: { b } })))
      const results = yield* Effect.all(batches.map((events_) => events.appendAll(events_)), { concurrency: "unbounded" })
      for (const id of ids) {
        const outcomes = batches.map((events_, b) => results[b]![events_.findIndex((event) => event.id === id)]!)
        const winners = outcomes.flatMap((outcome, b) => (outcome._tag === "Appended" ? [b] : []))
        expect(winners).toHaveLength(1)
        const stored = batches[winners[0]!]!.find((event) => event.id === id)!
        for (const outcome of outcomes) if (outcome._tag === "Exists") expect(outcome.existing).toEqual(stored)
      }
    }).pipe(Effect.provide(stores())))
})
