// The core services keeping a recording DeliveryLedger (the memory one) in step with the queue,
// without HTTP, by counts of owed rows and of requests: publish, fan-out steps, the worker's settle
// and scheduled, redeliveries, test sends, released sequences and reconciled jobs.
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Logger, LogLevel, Option, Ref, type Scope } from "effect"
import {
  AttemptLog,
  DeliveryJob,
  DeliveryLedger,
  DeliveryQueue,
  DeliverySettings,
  Dispatcher,
  EndpointHealth,
  EventStore,
  EventType,
  FanOut,
  Herald,
  type Ids,
  Publisher,
  Replay,
  RetrySchedule,
  Transport,
  UrlPolicy,
  Webhooks,
  Worker
} from "@herald/core"
import { MemoryDeliveryLedger, MemoryDeliveryQueue, MemoryLayer, MemorySequenceStore } from "@herald/memory"
import { Fixtures } from "@herald/testkit"

/**
 * A receiver whose every request waits for the test to answer it (`answer`), unless answers are
 * automatic (`auto`, 200 unless scripted for the URL).
 */
class GatedReceiver extends Effect.Service<GatedReceiver>()("test/GatedReceiver", {
  effect: Effect.gen(function*() {
    const requests = yield* Ref.make<ReadonlyArray<{ readonly url: string; readonly gate: Deferred.Deferred<number> }>>([])
    const auto = yield* Ref.make(true)
    const scripts = new Map<string, Array<number>>()
    const script = (url: string, statuses: ReadonlyArray<number>) => Effect.sync(() => void scripts.set(url, [...statuses]))
    const send = (request: Transport.DeliveryRequest) =>
      Effect.gen(function*() {
        const gate = yield* Deferred.make<number>()
        yield* Ref.update(requests, (all) => [...all, { url: request.url, gate }])
        if (yield* Ref.get(auto)) yield* Deferred.succeed(gate, scripts.get(request.url)?.shift() ?? 200)
        const status = yield* Deferred.await(gate)
        return { status, headers: { "content-type": "text/plain" }, body: `status ${status}` }
      })
    /** Answers the `index`th request (0-based) with `status`. */
    const answer = (index: number, status: number) =>
      Effect.flatMap(Ref.get(requests), (all) => Deferred.succeed(all[index]!.gate, status))
    const count = Effect.map(Ref.get(requests), (all) => all.length)
    /** Answers every request still waiting, so that a failed test's worker can stop. */
    const releaseAll = Effect.flatMap(Ref.get(requests), (all) => Effect.forEach(all, ({ gate }) => Deferred.succeed(gate, 200)))
    return { requests, auto, script, send, answer, count, releaseAll } as const
  })
}) {}

const GatedTransport = Layer.effect(
  Transport.Transport,
  Effect.map(GatedReceiver, (receiver): Transport.TransportShape => ({ send: receiver.send }))
).pipe(Layer.provideMerge(GatedReceiver.Default))

/** Wraps the memory ledger (to pause one of its operations); as it is by default. */
type Wrap = (ledger: DeliveryLedger.DeliveryLedgerShape) => Effect.Effect<DeliveryLedger.DeliveryLedgerShape>

const ledgerLayer = (wrap: Wrap) =>
  Layer.effect(
    DeliveryLedger.DeliveryLedger,
    Effect.flatMap(Effect.flatMap(MemorySequenceStore.MemorySequenceStore, MemoryDeliveryLedger.make), wrap)
  )

/**
 * The memory attempt log, writing each attempt's ledger change through the ledger itself as an
 * adapter keeping both in one store does in its one write (`AttemptLog.keepsLedger`): the delivery
 * loop must then leave the ledger alone for that attempt, and hand the log the same change.
 */
const keepingLedger = Layer.effect(
  AttemptLog.AttemptLog,
  Effect.gen(function*() {
    const log = yield* AttemptLog.AttemptLog
    const ledger = yield* DeliveryLedger.DeliveryLedger
    return {
      ...log,
      keepsLedger: true,
      record: (attempt, change) => {
        const job = new DeliveryJob.DeliveryJob({
          teamspace: attempt.teamspace,
          eventId: attempt.eventId,
          webhookId: attempt.webhookId,
          attempt: attempt.attempt
        })
        const write = change === undefined
          ? Effect.void
          : change._tag === "Settled"
          ? ledger.settle(job, change.startedAt)
          : ledger.scheduled(new DeliveryJob.DeliveryJob({ ...job, attempt: change.attempt }), change.dueAt)
        return Effect.zipRight(write, log.record(attempt))
      }
    } satisfies AttemptLog.AttemptLogShape
  })
)

/** The memory stores and ledger; with `keepsLedger`, the attempt log writes the ledger's changes. */
const storesLayer = (wrap: Wrap, keepsLedger: boolean) => {
  const stores = ledgerLayer(wrap).pipe(Layer.provideMerge(MemoryLayer.layer))
  return keepsLedger ? Layer.merge(stores, keepingLedger.pipe(Layer.provide(stores))) : stores
}

const testLayer = (schedule: ReadonlyArray<number>, wrap: Wrap, keepsLedger: boolean) =>
  Herald.servicesLayer.pipe(Layer.provideMerge(Layer.mergeAll(
    storesLayer(wrap, keepsLedger),
    EndpointHealth.layer({}),
    EventType.layerDefault.pipe(Layer.provideMerge(Fixtures.profilesLayer)),
    UrlPolicy.layer({ allowPrivate: true }),
    RetrySchedule.layer(schedule),
    DeliverySettings.layer({ timeoutMs: 5_000, concurrency: 4 }),
    GatedTransport
  )))

type TestServices = Layer.Layer.Success<ReturnType<typeof testLayer>>

const runWith = (keepsLedger: boolean) =>
<A, E>(
  self: Effect.Effect<A, E, TestServices | Scope.Scope>,
  schedule: ReadonlyArray<number> = [0, 50, 50],
  wrap: Wrap = Effect.succeed
) => self.pipe(Effect.scoped, Effect.provide(testLayer(schedule, wrap, keepsLedger)), Logger.withMinimumLogLevel(LogLevel.None))

const startWorker = Effect.forkScoped(Worker.run)

const queueIdle = Effect.flatMap(MemoryDeliveryQueue.MemoryDeliveryQueue, (queue) =>
  Fixtures.eventually("queue idle", Effect.map(queue.size, (size) => size.ready + size.delayed + size.inFlight === 0)))

const requests = (n: number) =>
  Effect.flatMap(GatedReceiver, (receiver) => Fixtures.eventually(`${n} request(s)`, Effect.map(receiver.count, (count) => count >= n)))

/** The teamspace's owed rows that have a due time, as (webhook, attempt). */
const owedDue = (teamspace: Ids.TeamspaceId) =>
  Effect.flatMap(DeliveryLedger.DeliveryLedger, (ledger) =>
    Effect.map(ledger.overdue({ limit: 10_000 }), (rows) =>
      rows.filter((row) => row.teamspace === teamspace).map((row) => ({ webhookId: row.webhookId, attempt: row.attempt, dueAt: row.dueAt }))))

/** The ordered heads of the teamspace, as (webhook, event, attempt, due). */
const heads = (teamspace: Ids.TeamspaceId) =>
  Effect.flatMap(DeliveryLedger.DeliveryLedger, (ledger) =>
    Effect.map(ledger.waitingHeads(Number.MAX_SAFE_INTEGER, 10_000), (rows) => rows.filter((row) => row.teamspace === teamspace)))

const hook = (teamspace: Ids.TeamspaceId, name: string, options: { readonly ordered?: boolean } = {}) =>
  Effect.flatMap(Webhooks.Webhooks, (webhooks) =>
    Effect.map(
      webhooks.create(teamspace, { url: `http://receiver.test/${name}`, events: [Fixtures.typeA], ...options }),
      (created) => created.webhook
    ))

describe.each([
  ["the delivery loop writing the ledger", false],
  ["the attempt log writing the ledger (keepsLedger)", true]
])("the DeliveryLedger wiring on the memory adapters, %s", (_, keepsLedger) => {
  const run = runWith(keepsLedger)

  it.live("an attempt's outcome is written once: by the attempt's record, or else by the delivery loop", () => {
    const writes = { settle: 0, scheduled: 0 }
    const counting: Wrap = (ledger) =>
      Effect.succeed({
        ...ledger,
        settle: (job, startedAt) => Effect.zipRight(Effect.sync(() => writes.settle++), ledger.settle(job, startedAt)),
        scheduled: (job, dueAt) => Effect.zipRight(Effect.sync(() => writes.scheduled++), ledger.scheduled(job, dueAt))
      })
    return run(
      Effect.gen(function*() {
        const receiver = yield* GatedReceiver
        const teamspace = Fixtures.teamspace()
        const flaky = yield* hook(teamspace, "flaky")
        yield* receiver.script(flaky.url, [500, 200])
        yield* startWorker
        yield* Effect.flatMap(Publisher.Publisher, (publisher) => publisher.publish(teamspace, { type: Fixtures.typeA, data: {} }))
        yield* requests(2)
        yield* queueIdle
        expect(yield* owedDue(teamspace)).toEqual([])
        // The failure's next attempt once, the success's settle once.
        expect(writes).toEqual({ settle: 1, scheduled: 1 })
      }),
      [0, 10],
      counting
    )
  })
  it.live("a publish owes every delivery (an ordered one with no due time); delivered, none is owed", () =>
    run(Effect.gen(function*() {
      const publisher = yield* Publisher.Publisher
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const teamspace = Fixtures.teamspace()
      const [a, b, ordered] = [yield* hook(teamspace, "a"), yield* hook(teamspace, "b"), yield* hook(teamspace, "o", { ordered: true })]
      const published = yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
      expect(published.deliveries).toBe(3)
      const owed = yield* owedDue(teamspace)
      expect(owed.map((row) => row.webhookId).sort()).toEqual([a.id, b.id].sort())
      expect(owed.map((row) => row.attempt)).toEqual([1, 1])
      expect((yield* heads(teamspace)).map((head) => [head.webhookId, head.eventId, head.attempt, head.dueAt])).toEqual([
        [ordered.id, published.event.id, 1, null]
      ])
      // The ordered one is owed too (a claim counts it; only reconciled jobs claim).
      expect(yield* ledger.claim(Fixtures.job({ teamspace, eventId: published.event.id, webhookId: ordered.id }))).toEqual(
        Option.some(1)
      )
      // Fully owed in one step: no fan-out left unfinished.
      expect((yield* ledger.unfinishedFanOuts(Number.MAX_SAFE_INTEGER, 10_000)).filter((f) => f.teamspace === teamspace)).toEqual([])

      yield* startWorker
      yield* requests(3)
      yield* queueIdle
      expect(yield* owedDue(teamspace)).toEqual([])
      expect(yield* heads(teamspace)).toEqual([])
      for (const webhookId of [a.id, b.id, ordered.id]) {
        expect(yield* ledger.claim(Fixtures.job({ teamspace, eventId: published.event.id, webhookId }))).toEqual(Option.none())
      }
    })))

  it.live("a failed delivery's row carries its next attempt and due time; delivered, it is settled", () =>
    run(
      Effect.gen(function*() {
        const publisher = yield* Publisher.Publisher
        const receiver = yield* GatedReceiver
        const teamspace = Fixtures.teamspace()
        const a = yield* hook(teamspace, "a")
        yield* receiver.script("http://receiver.test/a", [500])
        yield* startWorker
        const before = Date.now()
        yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
        yield* requests(1)
        yield* Fixtures.eventually("attempt 2 owed", Effect.map(owedDue(teamspace), (rows) => rows[0]?.attempt === 2))
        const [row] = yield* owedDue(teamspace)
        expect(row?.webhookId).toBe(a.id)
        // The schedule's 1 s, jittered by at most a tenth, from the end of the attempt.
        expect(row!.dueAt).toBeGreaterThanOrEqual(before + 900)
        yield* requests(2)
        yield* queueIdle
        expect(yield* owedDue(teamspace)).toEqual([])
      }),
      [0, 1_000]
    ))

  it.live("a redelivery during an attempt that then gives up keeps the row, so the re-run stays owed", () =>
    run(
      Effect.gen(function*() {
        const publisher = yield* Publisher.Publisher
        const replay = yield* Replay.Replay
        const receiver = yield* GatedReceiver
        const teamspace = Fixtures.teamspace()
        const a = yield* hook(teamspace, "a")
        yield* Ref.set(receiver.auto, false)
        yield* startWorker
        // Runs before the worker stops (finalizers run last first).
        yield* Effect.addFinalizer(() => Effect.asVoid(receiver.releaseAll))
        const published = yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
        yield* requests(1)
        // Asked for while the only attempt (no retry in the schedule) is in flight.
        yield* replay.redeliver(teamspace, published.event.id, { webhookId: a.id })
        yield* receiver.answer(0, 500)
        // The give-up re-runs at attempt 1; its row is still owed while it is in flight.
        yield* requests(2)
        expect((yield* owedDue(teamspace)).map((row) => [row.webhookId, row.attempt])).toEqual([[a.id, 1]])
        yield* receiver.answer(1, 200)
        yield* queueIdle
        expect(yield* owedDue(teamspace)).toEqual([])
      }),
      [0]
    ))

  it.live("a redelivery before the attempt started is answered by it: that attempt settles the row", () =>
    run(
      Effect.gen(function*() {
        const publisher = yield* Publisher.Publisher
        const replay = yield* Replay.Replay
        const receiver = yield* GatedReceiver
        const teamspace = Fixtures.teamspace()
        const a = yield* hook(teamspace, "a")
        const published = yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
        yield* replay.redeliver(teamspace, published.event.id, { webhookId: a.id })
        expect((yield* owedDue(teamspace)).map((row) => row.webhookId)).toEqual([a.id])
        yield* startWorker
        yield* requests(1)
        yield* queueIdle
        expect(yield* receiver.count).toBe(1)
        expect(yield* owedDue(teamspace)).toEqual([])
      }),
      [0]
    ))

  it.live("a reconciled job claims its row: sent when owed, dropped unsent when settled, given up past three runs", () =>
    run(Effect.gen(function*() {
      const publisher = yield* Publisher.Publisher
      const queue = yield* DeliveryQueue.DeliveryQueue
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const receiver = yield* GatedReceiver
      const teamspace = Fixtures.teamspace()
      const [a, b, c] = [yield* hook(teamspace, "a"), yield* hook(teamspace, "b"), yield* hook(teamspace, "c")]
      yield* startWorker
      const published = yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
      yield* requests(3)
      yield* queueIdle
      const reconciled = (webhookId: Ids.WebhookId) =>
        new DeliveryJob.DeliveryJob({ teamspace, eventId: published.event.id, webhookId, attempt: 1, reconciled: true })
      // Settled: no row. The reconciler read it just before the delivery settled.
      yield* queue.enqueue([reconciled(a.id)])
      yield* queueIdle
      expect(yield* receiver.count).toBe(3)
      // Owed (a redelivery whose job was lost): sent, then settled.
      yield* ledger.redeliver(teamspace, [{ eventId: published.event.id, webhookId: b.id, dueAt: 0 }], 0)
      yield* queue.enqueue([reconciled(b.id)])
      yield* requests(4)
      yield* queueIdle
      expect(yield* owedDue(teamspace)).toEqual([])
      // Owed, but its job already ran three times without settling: given up, unsent.
      yield* ledger.redeliver(teamspace, [{ eventId: published.event.id, webhookId: c.id, dueAt: 0 }], 0)
      for (let run = 0; run < Dispatcher.MAX_RECONCILED_RUNS; run++) yield* ledger.claim(reconciled(c.id))
      yield* queue.enqueue([reconciled(c.id)])
      yield* queueIdle
      expect(yield* receiver.count).toBe(4)
      expect(yield* owedDue(teamspace)).toEqual([])
    })))

  it.live("a reconciled job dropped as settled still answers a redelivery asked for meanwhile: it runs again, owed", () => {
    const claimed = Effect.runSync(Deferred.make<void>())
    const go = Effect.runSync(Deferred.make<void>())
    // The first claim (the reconciled job's, finding no row) waits until the test lets it go.
    const pauseFirstClaim: Wrap = (ledger) =>
      Effect.map(Ref.make(0), (claims) => ({
        ...ledger,
        claim: (job) =>
          Effect.tap(ledger.claim(job), () =>
            Effect.flatMap(Ref.getAndUpdate(claims, (n) => n + 1), (n) =>
              n === 0 ? Effect.zipRight(Deferred.succeed(claimed, undefined), Deferred.await(go)) : Effect.void))
      }))
    return run(
      Effect.gen(function*() {
        const publisher = yield* Publisher.Publisher
        const replay = yield* Replay.Replay
        const queue = yield* DeliveryQueue.DeliveryQueue
        const receiver = yield* GatedReceiver
        const teamspace = Fixtures.teamspace()
        const a = yield* hook(teamspace, "a")
        yield* startWorker
        yield* Effect.addFinalizer(() => Deferred.succeed(go, undefined))
        const published = yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
        yield* requests(1)
        yield* queueIdle
        yield* queue.enqueue([
          new DeliveryJob.DeliveryJob({ teamspace, eventId: published.event.id, webhookId: a.id, attempt: 1, reconciled: true })
        ])
        yield* Deferred.await(claimed)
        // Between the claim that found no row and the job's outcome.
        yield* replay.redeliver(teamspace, published.event.id, { webhookId: a.id })
        yield* Deferred.succeed(go, undefined)
        yield* requests(2)
        yield* queueIdle
        expect(yield* receiver.count).toBe(2)
        expect(yield* owedDue(teamspace)).toEqual([])
      }),
      [0],
      pauseFirstClaim
    )
  })

  it.live("a fan-out step owes before it enqueues; a second run of the same step enqueues nothing", () =>
    run(
      Effect.gen(function*() {
        const publisher = yield* Publisher.Publisher
        const fanOut = yield* FanOut.FanOut
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const queue = yield* MemoryDeliveryQueue.MemoryDeliveryQueue
        const teamspace = Fixtures.teamspace()
        const hooks = []
        for (let i = 0; i < 5; i++) hooks.push(yield* hook(teamspace, `h${i}`))
        const ids = hooks.map((h) => h.id).sort()
        const published = yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
        expect(published.deliveries).toBe(2)
        expect((yield* owedDue(teamspace)).map((row) => row.webhookId).sort()).toEqual(ids.slice(0, 2))
        const unfinished = (yield* ledger.unfinishedFanOuts(Number.MAX_SAFE_INTEGER, 10_000)).filter((f) => f.teamspace === teamspace)
        expect(unfinished.map((f) => f.after)).toEqual([Option.some(ids[1])])
        // The two deliveries and the FanOutJob.
        expect((yield* queue.size).ready).toBe(3)
        const step = (after: Ids.WebhookId) => fanOut.step(published.event, after, 1)
        expect((yield* step(ids[1]!)).deliveries).toBe(2)
        expect((yield* step(ids[1]!)).deliveries).toBe(0)
        // The step's two deliveries and its own FanOutJob (a different key); nothing from the loser.
        expect((yield* queue.size).ready).toBe(6)
        expect((yield* owedDue(teamspace)).map((row) => row.webhookId).sort()).toEqual(ids.slice(0, 4))
        expect((yield* step(ids[3]!)).deliveries).toBe(1)
        expect((yield* owedDue(teamspace)).map((row) => row.webhookId).sort()).toEqual(ids)
        expect((yield* ledger.unfinishedFanOuts(Number.MAX_SAFE_INTEGER, 10_000)).filter((f) => f.teamspace === teamspace))
          .toEqual([])
      }).pipe(Effect.provideService(FanOut.FanOutChunkSize, 2))
    ))

  it.live("a test send owes its delivery, which the worker settles", () =>
    run(Effect.gen(function*() {
      const publisher = yield* Publisher.Publisher
      const teamspace = Fixtures.teamspace()
      const a = yield* hook(teamspace, "a")
      yield* publisher.sendTest(teamspace, a.id)
      expect((yield* owedDue(teamspace)).map((row) => row.webhookId)).toEqual([a.id])
      yield* startWorker
      yield* requests(1)
      yield* queueIdle
      expect(yield* owedDue(teamspace)).toEqual([])
    })))

  it.live("an ordered webhook made unordered: what waited its turn gets a due time", () =>
    run(Effect.gen(function*() {
      const publisher = yield* Publisher.Publisher
      const webhooks = yield* Webhooks.Webhooks
      const teamspace = Fixtures.teamspace()
      const ordered = yield* hook(teamspace, "o", { ordered: true })
      for (let i = 0; i < 3; i++) yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: i } })
      expect(yield* owedDue(teamspace)).toEqual([])
      yield* webhooks.update(teamspace, ordered.id, { ordered: false })
      expect((yield* owedDue(teamspace)).map((row) => row.webhookId)).toEqual([ordered.id, ordered.id, ordered.id])
    })))

  it.live("a repeated publish of a fan-out already owed owes and enqueues nothing more", () =>
    run(Effect.gen(function*() {
      const publisher = yield* Publisher.Publisher
      const events = yield* EventStore.EventStore
      const queue = yield* MemoryDeliveryQueue.MemoryDeliveryQueue
      const teamspace = Fixtures.teamspace()
      yield* hook(teamspace, "a")
      const event = Fixtures.event({ teamspace })
      // A publish that died after owing its first step, before marking the event dispatched.
      yield* events.append(event)
      yield* (yield* FanOut.FanOut).step(event)
      expect((yield* queue.size).ready).toBe(1)
      const again = yield* publisher.publish(teamspace, { id: event.id, type: event.type, data: { n: 1 } })
      expect(again).toMatchObject({ duplicate: true, deliveries: 0 })
      expect((yield* queue.size).ready).toBe(1)
      expect(yield* owedDue(teamspace)).toHaveLength(1)
    })))
})
