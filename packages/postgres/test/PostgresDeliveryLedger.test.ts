// What the conformance suite cannot see: the fan-out cursor shared with the event store, steps raced
// from several processes, events the store does not know, and the reconciler's reads planned as
// index scans.
import { describe, expect, it } from "@effect/vitest"
import { SqlClient, Statement } from "@effect/sql"
import { Context, Effect, Layer, Option } from "effect"
import { AttemptLog, DeliveryJob, DeliveryLedger, EventStore, Ids, SequenceStore, SubscriptionStore } from "@herald/core"
import {
  PostgresAttemptLog,
  PostgresDeliveryLedger,
  PostgresEventStore,
  PostgresSequenceStore,
  PostgresSubscriptionStore
} from "@herald/postgres"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

/** Keeps the suite's fixture events (2026-01-01) readable, as the conformance file does. */
const retentionSeconds = 10 * 365 * 24 * 60 * 60
const HOUR = 3_600_000

const webhooks = (count: number) => Array.from({ length: count }, () => Ids.makeWebhookId()).sort()

/** One process's stores on its own pool. */
const stores = (client: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  Layer.mergeAll(
    PostgresDeliveryLedger.layer,
    PostgresEventStore.layer({ retentionSeconds }),
    PostgresSequenceStore.layer
  ).pipe(Layer.provideMerge(client))

interface PlanNode {
  readonly "Node Type": string
  readonly "Index Name"?: string
  readonly Plans?: ReadonlyArray<PlanNode>
}

const nodesOf = (node: PlanNode): ReadonlyArray<PlanNode> => [node, ...(node.Plans ?? []).flatMap(nodesOf)]

describe.skipIf(!available)(`PostgresDeliveryLedger ${skipReason}`, () => {
  const { client } = useDatabase()

  it.live("the fan-out cursor is the event store's: handed off while steps remain, gone once fully owed", () =>
    Effect.gen(function*() {
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const events = yield* EventStore.EventStore
      const [a, b] = webhooks(2) as [Ids.WebhookId, Ids.WebhookId]
      const dispatched = (event: Parameters<EventStore.EventStoreShape["append"]>[0]) =>
        Effect.map(events.append(event), (result) => result._tag === "Exists" && result.dispatched)

      // A publish whose first chunk is not the last: the cursor survives markDispatched, handed off.
      const chunked = Fixtures.event({ teamspace: Fixtures.teamspace() })
      yield* events.append(chunked)
      expect(yield* ledger.owe(chunked, [{ webhookId: a, dueAt: Date.now() }], Option.none(), Option.some(a))).toBe(true)
      yield* events.markDispatched(chunked.teamspace, chunked.id)
      expect(yield* dispatched(chunked)).toBe(true)
      const cursor = (rows: ReadonlyArray<DeliveryLedger.UnfinishedFanOut>) =>
        rows.filter((row) => row.eventId === chunked.id).map((row) => row.after)
      expect(cursor(yield* ledger.unfinishedFanOuts(Date.now() + HOUR, 100_000))).toEqual([Option.some(a)])
      // The queued step goes on from there and finishes it.
      expect(yield* ledger.owe(chunked, [{ webhookId: b, dueAt: Date.now() }], Option.some(a), Option.none())).toBe(true)
      expect(cursor(yield* ledger.unfinishedFanOuts(Date.now() + HOUR, 100_000))).toEqual([])
      expect(yield* dispatched(chunked)).toBe(true)

      // Nothing owed through the cursor (no ledger, or no target): markDispatched removes it, as before.
      const plain = Fixtures.event({ teamspace: Fixtures.teamspace() })
      yield* events.append(plain)
      expect(yield* dispatched(plain)).toBe(false)
      yield* events.markDispatched(plain.teamspace, plain.id)
      expect(yield* dispatched(plain)).toBe(true)
      expect(yield* ledger.owe(plain, [{ webhookId: a, dueAt: Date.now() }], Option.none(), Option.none())).toBe(false)
    }).pipe(Effect.provide(stores(client()))))

  it.live("a fan-out's steps each raced by three processes: every step won once, every delivery owed once", () =>
    Effect.gen(function*() {
      const processes = yield* Effect.forEach(
        Array.from({ length: 3 }),
        () => Effect.map(Layer.build(stores(client(2))), Context.get(DeliveryLedger.DeliveryLedger)),
        { concurrency: "unbounded" }
      )
      const event = Fixtures.event({ teamspace: Fixtures.teamspace() })
      yield* Effect.flatMap(EventStore.EventStore, (events) => events.append(event))
      const hooks = webhooks(60)
      const chunks = Array.from({ length: 6 }, (_, n) => hooks.slice(n * 10, n * 10 + 10))
      const now = Date.now()
      let from = Option.none<Ids.WebhookId>()
      for (const [n, chunk] of chunks.entries()) {
        const to = n === chunks.length - 1 ? Option.none<Ids.WebhookId>() : Option.some(chunk.at(-1)!)
        const targets = chunk.map((webhookId) => ({ webhookId, dueAt: now }))
        const runs = yield* Effect.forEach(processes, (ledger) => ledger.owe(event, targets, from, to), {
          concurrency: "unbounded"
        })
        expect(runs.filter((won) => won)).toHaveLength(1)
        from = to
      }
      const owed = yield* processes[0]!.overdue({ limit: 100_000 })
      expect(owed.filter((row) => row.eventId === event.id).map((row) => row.webhookId).sort()).toEqual(hooks)
      expect(
        (yield* processes[1]!.unfinishedFanOuts(Date.now() + HOUR, 100_000)).filter((row) => row.eventId === event.id)
      ).toEqual([])
    }).pipe(Effect.scoped, Effect.provide(stores(client()))))

  it.live("scheduled and redeliver owe nothing for an event the store does not know, and still update a row it owes", () =>
    Effect.gen(function*() {
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const sql = yield* SqlClient.SqlClient
      const teamspace = Fixtures.teamspace()
      const [a, b] = webhooks(2) as [Ids.WebhookId, Ids.WebhookId]
      const unknown = Ids.makeEventId()
      const now = Date.now()
      const job = (eventId: Ids.EventId, webhookId: Ids.WebhookId, attempt: number) =>
        new DeliveryJob.DeliveryJob({ teamspace, eventId, webhookId, attempt })
      const ours = (eventId: Ids.EventId) =>
        Effect.map(
          ledger.overdue({ limit: 100_000 }),
          (rows) => rows.filter((row) => row.eventId === eventId).map((row) => [row.webhookId, row.attempt, row.dueAt])
        )

      yield* ledger.scheduled(job(unknown, a, 2), now)
      yield* ledger.redeliver(teamspace, [{ eventId: unknown, webhookId: b, dueAt: now }], now)
      expect(yield* ours(unknown)).toEqual([])
      expect(yield* ledger.claim(job(unknown, a, 2))).toEqual(Option.none())

      // An owed delivery whose event's key has gone since (retention): its row is still kept up to date.
      const event = Fixtures.event({ teamspace })
      yield* Effect.flatMap(EventStore.EventStore, (events) => events.append(event))
      yield* ledger.owe(event, [{ webhookId: a, dueAt: now }], Option.none(), Option.none())
      yield* sql`DELETE FROM herald_event_keys WHERE teamspace = ${teamspace} AND id = ${event.id}`
      yield* ledger.scheduled(job(event.id, a, 3), now + HOUR)
      yield* ledger.redeliver(teamspace, [{ eventId: event.id, webhookId: a, dueAt: now + 1 }], now)
      expect(yield* ours(event.id)).toEqual([[a, 3, now + 1]])
    }).pipe(Effect.provide(stores(client()))))

  it.live("the reconciler's reads are index scans that give their order: no sequential scan, no sort", () =>
    Effect.gen(function*() {
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const sequences = yield* SequenceStore.SequenceStore
      const sql = yield* SqlClient.SqlClient
      const event = Fixtures.event({ teamspace: Fixtures.teamspace() })
      yield* Effect.flatMap(EventStore.EventStore, (events) => events.append(event))
      const [hook, ordered] = webhooks(2) as [Ids.WebhookId, Ids.WebhookId]
      yield* ledger.owe(event, [{ webhookId: hook, dueAt: 0 }, { webhookId: ordered, dueAt: null }], Option.none(), Option.none())
      yield* sequences.enter(event.teamspace, ordered, [event.id])

      // Each statement the reads run, as sent, captured on its way to the connection.
      const sent: Array<readonly [string, ReadonlyArray<unknown>]> = []
      const capture: Statement.Statement.Transformer = (statement) =>
        Effect.sync(() => {
          sent.push(statement.compile())
          return statement
        })
      const read = <A>(name: string, effect: Effect.Effect<A>) =>
        Effect.gen(function*() {
          sent.length = 0
          yield* Statement.withTransformer(effect, capture)
          expect(sent, name).toHaveLength(1)
          const [text, params] = sent[0]!
          // With sequential scans and sorts priced out, a plan keeps one only where no index serves.
          const [row] = yield* sql.withTransaction(Effect.gen(function*() {
            yield* sql`SET LOCAL enable_seqscan = off`
            yield* sql`SET LOCAL enable_sort = off`
            return yield* sql.unsafe<{ readonly "QUERY PLAN": ReadonlyArray<{ readonly Plan: PlanNode }> }>(
              `EXPLAIN (FORMAT JSON) ${text}`,
              params
            )
          }))
          const nodes = nodesOf(row!["QUERY PLAN"][0]!.Plan)
          expect(nodes.map((node) => node["Node Type"]), name).not.toContain("Seq Scan")
          expect(nodes.map((node) => node["Node Type"]), name).not.toContain("Sort")
          return nodes.flatMap((node) => node["Index Name"] ?? [])
        })

      expect(
        yield* read(
          "overdue",
          ledger.overdue({
            dueBefore: Date.now(),
            after: { dueAt: -1, webhookId: hook, eventId: event.id },
            limit: 5000
          })
        )
      ).toContain("herald_owed_deliveries_due")
      expect(yield* read("overdue, every due time", ledger.overdue({ limit: 5000 }))).toContain(
        "herald_owed_deliveries_due"
      )
      expect(yield* read("unfinishedFanOuts", ledger.unfinishedFanOuts(Date.now(), 100))).toContain(
        "herald_fanouts_updated_at"
      )
      expect(yield* read("waitingHeads", ledger.waitingHeads(Date.now(), 100))).toContain(
        "herald_sequence_entries_heads"
      )
    }).pipe(Effect.provide(stores(client()))))
})

describe.skipIf(!available)(`PostgresAttemptLog keeping the ledger ${skipReason}`, () => {
  const { client } = useDatabase()
  /** The attempt log as `PostgresLayer` builds it, or one that leaves the ledger alone. */
  const withLog = (keepsLedger: boolean) =>
    Layer.merge(stores(client()), PostgresAttemptLog.layer({ retentionSeconds, keepsLedger }).pipe(Layer.provide(client())))

  /** The owed row of `webhookId` and `eventId`: its attempt and due time, if any. */
  const owedRow = (webhookId: Ids.WebhookId, eventId: Ids.EventId) =>
    Effect.map(
      Effect.flatMap(DeliveryLedger.DeliveryLedger, (ledger) => ledger.overdue({ limit: 100_000 })),
      (rows) =>
        Option.fromNullable(rows.find((row) => row.webhookId === webhookId && row.eventId === eventId)).pipe(
          Option.map(({ attempt, dueAt }) => ({ attempt, dueAt }))
        )
    )

  it.live("writes each attempt's change with it: the next attempt owed, the delivery settled, unless redelivered since it started", () =>
    Effect.gen(function*() {
      const log = yield* AttemptLog.AttemptLog
      const ledger = yield* DeliveryLedger.DeliveryLedger
      expect(log.keepsLedger).toBe(true)
      const event = Fixtures.event({ teamspace: Fixtures.teamspace() })
      yield* Effect.flatMap(EventStore.EventStore, (events) => events.append(event))
      const [hook, other] = webhooks(2) as [Ids.WebhookId, Ids.WebhookId]
      const now = Date.now()
      yield* ledger.owe(event, [{ webhookId: hook, dueAt: now }], Option.none(), Option.none())
      const attempt = (n: number, successful: boolean, time: number) =>
        Fixtures.attempt({ teamspace: event.teamspace, webhookId: hook, eventId: event.id, time, attempt: n, successful })

      // A failure with a next attempt: owed at attempt 2, due then.
      yield* log.record(attempt(1, false, now), { _tag: "Scheduled", attempt: 2, dueAt: now + 60_000 })
      expect(yield* owedRow(hook, event.id)).toEqual(Option.some({ attempt: 2, dueAt: now + 60_000 }))
      // A delivery whose row is missing (the event's key known): inserted.
      yield* log.record(
        Fixtures.attempt({ teamspace: event.teamspace, webhookId: other, eventId: event.id, time: now, successful: false }),
        { _tag: "Scheduled", attempt: 2, dueAt: now + 30_000 }
      )
      expect(yield* owedRow(other, event.id)).toEqual(Option.some({ attempt: 2, dueAt: now + 30_000 }))

      // A give-up whose attempt started before a redelivery was asked for: still owed.
      yield* ledger.redeliver(event.teamspace, [{ eventId: event.id, webhookId: hook, dueAt: now }], now + 1_000)
      yield* log.record(attempt(2, false, now + 500), { _tag: "Settled", startedAt: Option.some(now + 500) })
      expect(Option.isSome(yield* owedRow(hook, event.id))).toBe(true)
      // One started after it: settled.
      yield* log.record(attempt(3, false, now + 2_000), { _tag: "Settled", startedAt: Option.some(now + 2_000) })
      expect(yield* owedRow(hook, event.id)).toEqual(Option.none())
      // A success settles whatever.
      yield* ledger.redeliver(event.teamspace, [{ eventId: event.id, webhookId: other, dueAt: now }], now + 5_000)
      yield* log.record(
        Fixtures.attempt({ teamspace: event.teamspace, webhookId: other, eventId: event.id, time: now + 3_000, attempt: 2 }),
        { _tag: "Settled", startedAt: Option.none() }
      )
      expect(yield* owedRow(other, event.id)).toEqual(Option.none())
      // Every attempt is logged, whatever it wrote to the ledger.
      expect(yield* log.list({ teamspace: event.teamspace, eventId: event.id, limit: 10 })).toHaveLength(5)
    }).pipe(Effect.provide(withLog(true))))

  it.live("without keepsLedger, the change is left to the ledger", () =>
    Effect.gen(function*() {
      const log = yield* AttemptLog.AttemptLog
      const ledger = yield* DeliveryLedger.DeliveryLedger
      expect(log.keepsLedger).toBe(false)
      const event = Fixtures.event({ teamspace: Fixtures.teamspace() })
      yield* Effect.flatMap(EventStore.EventStore, (events) => events.append(event))
      const [hook] = webhooks(1) as [Ids.WebhookId]
      const now = Date.now()
      yield* ledger.owe(event, [{ webhookId: hook, dueAt: now }], Option.none(), Option.none())
      yield* log.record(
        Fixtures.attempt({ teamspace: event.teamspace, webhookId: hook, eventId: event.id, time: now }),
        { _tag: "Settled", startedAt: Option.none() }
      )
      expect(yield* owedRow(hook, event.id)).toEqual(Option.some({ attempt: 1, dueAt: now }))
    }).pipe(Effect.provide(withLog(false))))
})

describe.skipIf(!available)(`PostgresEventStore.appendOwing ${skipReason}`, () => {
  const { client } = useDatabase()
  const layer = () =>
    Layer.mergeAll(
      PostgresDeliveryLedger.layer,
      PostgresEventStore.layer({ retentionSeconds, owesFirstPage: true }),
      PostgresSubscriptionStore.layer
    ).pipe(Layer.provideMerge(client()))

  /** `count` enabled webhooks of a fresh teamspace subscribed to the fixtures' type, in id order; `ordered` at those indexes. */
  const subscribed = (count: number, ordered: ReadonlyArray<number> = []) =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const teamspace = Fixtures.teamspace()
      const ids = webhooks(count)
      yield* Effect.forEach(ids, (id, n) =>
        store.insert(Fixtures.withChanges(Fixtures.webhook({ teamspace, id }), { ordered: ordered.includes(n) })))
      return { teamspace, ids }
    })

  /** Which of `ids` are owed for `event`: a claim finds a row (and counts it, harmlessly here). */
  const owedOf = (event: { readonly teamspace: Ids.TeamspaceId; readonly id: Ids.EventId }, ids: ReadonlyArray<Ids.WebhookId>) =>
    Effect.flatMap(DeliveryLedger.DeliveryLedger, (ledger) =>
      Effect.filter(ids, (webhookId) =>
        Effect.map(ledger.claim(Fixtures.job({ teamspace: event.teamspace, eventId: event.id, webhookId })), Option.isSome)))

  const cursorOf = (event: { readonly id: Ids.EventId }) =>
    Effect.flatMap(DeliveryLedger.DeliveryLedger, (ledger) =>
      Effect.map(
        ledger.unfinishedFanOuts(Date.now() + HOUR, 100_000),
        (rows) => rows.filter((row) => row.eventId === event.id).map((row) => row.after)
      ))

  it.live("a new event's first page is owed in its append, the cursor left at its last when more remain", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const { teamspace, ids } = yield* subscribed(3, [1])
      const [a, b, c] = ids as [Ids.WebhookId, Ids.WebhookId, Ids.WebhookId]
      const event = Fixtures.event({ teamspace })
      const dueAt = Date.now() + 1_000
      const result = yield* events.appendOwing!(event, { limit: 2, dueAt })
      expect(result).toEqual({ _tag: "Appended", page: [{ id: a, ordered: false }, { id: b, ordered: true }, { id: c, ordered: false }] })
      expect(yield* owedOf(event, ids)).toEqual([a, b])
      // The plain one due then; the ordered one with no due time, behind its sequence's head.
      expect((yield* ledger.overdue({ limit: 100_000 })).filter((row) => row.eventId === event.id)).toEqual([
        { teamspace, eventId: event.id, webhookId: a, attempt: 1, dueAt }
      ])
      expect(yield* cursorOf(event)).toEqual([Option.some(b)])
      // The next step, as the FanOutJob runs it, goes on from there and finishes the fan-out.
      expect(yield* ledger.owe(event, [{ webhookId: c, dueAt }], Option.some(b), Option.none())).toBe(true)
      expect(yield* cursorOf(event)).toEqual([])
      expect(yield* owedOf(event, ids)).toEqual([a, b, c])
    }).pipe(Effect.provide(layer())))

  it.live("a page that fits leaves no fan-out behind; a repeated id owes nothing again; no match owes nothing", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const { teamspace, ids } = yield* subscribed(2)
      const event = Fixtures.event({ teamspace })
      const first = { limit: 2, dueAt: Date.now() }
      expect(yield* events.appendOwing!(event, first)).toMatchObject({ _tag: "Appended" })
      expect(yield* cursorOf(event)).toEqual([])
      const appendedAgain = yield* events.append(event)
      expect(appendedAgain).toMatchObject({ _tag: "Exists", dispatched: true })
      // A settled delivery is not owed again by the repeat.
      yield* ledger.settle(Fixtures.job({ teamspace, eventId: event.id, webhookId: ids[0]! }), Option.none())
      const repeated = yield* events.appendOwing!(event, first)
      expect(repeated).toMatchObject({ _tag: "Exists", dispatched: true })
      expect(repeated._tag === "Exists" && repeated.existing.dataJson).toBe(event.dataJson)
      expect(yield* owedOf(event, ids)).toEqual([ids[1]])

      const unmatched = Fixtures.event({ teamspace: Fixtures.teamspace() })
      expect(yield* events.appendOwing!(unmatched, first)).toEqual({ _tag: "Appended", page: [] })
      expect(yield* cursorOf(unmatched)).toEqual([])
      expect(Option.isSome(yield* events.get(unmatched.teamspace, unmatched.id))).toBe(true)
    }).pipe(Effect.provide(layer())))

  it.live("an expired id published again leaves no cursor of the old event behind: nothing is owed twice", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const ledger = yield* DeliveryLedger.DeliveryLedger
      const { teamspace, ids } = yield* subscribed(1)
      const [a] = ids as [Ids.WebhookId]
      const id = Ids.makeEventId(Date.now())
      // The old event of the id, two hours ago, whose fan-out never ran: its cursor stands at none.
      const old = Fixtures.event({ teamspace, id, time: Date.now() - 2 * HOUR })
      yield* events.append(old)
      expect((yield* cursorOf(old)).length).toBe(1)
      // Expired for a store keeping an hour, the id is published again: its one target owed.
      const shortLived = yield* Layer.build(
        PostgresEventStore.layer({ retentionSeconds: 3_600, owesFirstPage: true }).pipe(Layer.provide(client()))
      ).pipe(Effect.map((context) => Context.get(context, EventStore.EventStore)))
      const fresh = Fixtures.event({ teamspace, id })
      expect(yield* shortLived.appendOwing!(fresh, { limit: 10, dueAt: Date.now() })).toMatchObject({ _tag: "Appended" })
      expect(yield* cursorOf(fresh)).toEqual([])
      // Delivered and settled, then published once more: the old cursor is not there to step from.
      yield* ledger.settle(Fixtures.job({ teamspace, eventId: id, webhookId: a }), Option.none())
      expect(yield* shortLived.append(fresh)).toMatchObject({ _tag: "Exists", dispatched: true })
      expect(yield* ledger.owe(fresh, [{ webhookId: a, dueAt: Date.now() }], Option.none(), Option.none())).toBe(false)
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.live("is offered only with owesFirstPage", () =>
    Effect.gen(function*() {
      expect((yield* EventStore.EventStore).appendOwing).toBeUndefined()
    }).pipe(Effect.provide(PostgresEventStore.layer({ retentionSeconds }).pipe(Layer.provide(client())))))
})
