/**
 * Conformance suite for recording `DeliveryLedger` adapters (not `none`): owed
 * deliveries and fan-out cursors, as docs/postgres.md section 4 designs them.
 * Fresh layer per test, unique teamspaces and webhooks, live clock (see
 * `SubscriptionStoreSuite`): an adapter on a shared database sees other tests'
 * rows, so every read is filtered to the test's own.
 *
 * The layer provides the ledger with the `EventStore` and `SequenceStore` it is
 * composed with: every event is appended before it is owed (where the two share
 * storage, the append writes the fan-out cursor and the ledger looks the event
 * up), and ordered heads come from the sequence store. A fan-out appended but
 * never owed is not tested: a ledger that does not share the event store's
 * storage (memory) cannot see it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, type Layer, Option } from "effect"
import { DeliveryJob, DeliveryLedger, EventStore, Ids, SequenceStore } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

type Services = DeliveryLedger.DeliveryLedger | EventStore.EventStore | SequenceStore.SequenceStore

const HOUR = 3_600_000
/** Enough to read every row the suite's tests leave behind on a shared database. */
const ALL = 100_000

const webhooks = (count: number) =>
  Array.from({ length: count }, () => Ids.makeWebhookId()).sort() as Array<Ids.WebhookId>

/** An event of a fresh teamspace, appended. */
const appended = Effect.gen(function*() {
  const events = yield* EventStore.EventStore
  const event = Fixtures.event({ teamspace: Fixtures.teamspace() })
  yield* events.append(event)
  return event
})

const jobOf = (teamspace: Ids.TeamspaceId, eventId: Ids.EventId, webhookId: Ids.WebhookId, attempt = 1) =>
  new DeliveryJob.DeliveryJob({ teamspace, eventId, webhookId, attempt })

/** The rows with a due time of this teamspace, as (webhook, attempt, due) in (due, webhook) order. */
const owedWithDueTimes = (teamspace: Ids.TeamspaceId) =>
  Effect.flatMap(DeliveryLedger.DeliveryLedger, (ledger) =>
    Effect.map(ledger.overdue({ limit: ALL }), (rows) =>
      rows
        .filter((row) => row.teamspace === teamspace)
        .map((row) => ({ eventId: row.eventId, webhookId: row.webhookId, attempt: row.attempt, dueAt: row.dueAt }))))

/** Whether a delivery is owed, read by claiming it (which counts a run; use where that does not matter). */
const claimed = (job: DeliveryJob.DeliveryJob) => Effect.flatMap(DeliveryLedger.DeliveryLedger, (ledger) => ledger.claim(job))

/**
 * Registers the `DeliveryLedger` conformance tests under `name` (vitest `describe`), each on a fresh
 * build of `layer`: the recording ledger under test, with the event store and sequence store it is
 * composed with. Run it from a one-line test file in each adapter package; a failing test names the
 * behaviour the adapter breaks.
 */
export const suite = (name: string, layer: Layer.Layer<Services, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: Effect.Effect<A, E, Services>) =>
      it.live(title, () => Effect.provide(body, layer))

    test(
      "it records",
      Effect.map(DeliveryLedger.DeliveryLedger, (ledger) => expect(ledger.records).toBe(true))
    )

    test(
      "a step owes its targets and moves the cursor once: a second run of the same step owes nothing",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const [a, b, c, d] = webhooks(4) as [Ids.WebhookId, Ids.WebhookId, Ids.WebhookId, Ids.WebhookId]
        const first = [{ webhookId: a, dueAt: now }, { webhookId: b, dueAt: now + 1 }]
        expect(yield* ledger.owe(event, first, Option.none(), Option.some(b))).toBe(true)
        expect(yield* ledger.owe(event, first, Option.none(), Option.some(b))).toBe(false)
        // A step from a cursor it does not stand at loses too.
        expect(yield* ledger.owe(event, [{ webhookId: d, dueAt: now }], Option.some(c), Option.none())).toBe(false)
        expect(yield* ledger.owe(event, [{ webhookId: c, dueAt: now + 2 }], Option.some(b), Option.none())).toBe(true)
        expect(yield* owedWithDueTimes(event.teamspace)).toEqual([
          { eventId: event.id, webhookId: a, attempt: 1, dueAt: now },
          { eventId: event.id, webhookId: b, attempt: 1, dueAt: now + 1 },
          { eventId: event.id, webhookId: c, attempt: 1, dueAt: now + 2 }
        ])
      })
    )

    test(
      "oweAll owes each step as owe would, a result per step in order: a step that loses stops no other",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const [one, two, three] = [yield* appended, yield* appended, yield* appended]
        const now = yield* Clock.currentTimeMillis
        const [a, b, c] = webhooks(3) as [Ids.WebhookId, Ids.WebhookId, Ids.WebhookId]
        // `two`'s first step is taken already: its step from none loses below.
        expect(yield* ledger.owe(two, [{ webhookId: a, dueAt: now }], Option.none(), Option.some(a))).toBe(true)
        expect(yield* ledger.oweAll([])).toEqual([])
        const won = yield* ledger.oweAll([
          { event: one, targets: [{ webhookId: a, dueAt: now }, { webhookId: b, dueAt: null }], from: Option.none(), to: Option.some(b) },
          { event: two, targets: [{ webhookId: b, dueAt: now }], from: Option.none(), to: Option.none() },
          { event: three, targets: [{ webhookId: c, dueAt: now + 1 }, { webhookId: c, dueAt: now + 2 }], from: Option.none(), to: Option.none() }
        ])
        expect(won).toEqual([true, false, true])
        expect(yield* owedWithDueTimes(one.teamspace)).toEqual([{ eventId: one.id, webhookId: a, attempt: 1, dueAt: now }])
        // The ordered target is owed without a due time.
        expect(yield* claimed(jobOf(one.teamspace, one.id, b))).toEqual(Option.some(1))
        expect(yield* owedWithDueTimes(two.teamspace)).toEqual([{ eventId: two.id, webhookId: a, attempt: 1, dueAt: now }])
        // A repeated target: the first counts, as in `owe`.
        expect(yield* owedWithDueTimes(three.teamspace)).toEqual([{ eventId: three.id, webhookId: c, attempt: 1, dueAt: now + 1 }])
        // The cursors moved as `owe` moves them: `one` goes on from b, `three` is finished.
        expect(yield* ledger.owe(one, [{ webhookId: c, dueAt: now }], Option.none(), Option.none())).toBe(false)
        expect(yield* ledger.owe(one, [{ webhookId: c, dueAt: now }], Option.some(b), Option.none())).toBe(true)
        expect(yield* ledger.owe(three, [{ webhookId: a, dueAt: now }], Option.none(), Option.none())).toBe(false)
        // Steps of one event, in one call, are owed in their order.
        const four = yield* appended
        expect(
          yield* ledger.oweAll([
            { event: four, targets: [{ webhookId: a, dueAt: now }], from: Option.none(), to: Option.some(a) },
            { event: four, targets: [{ webhookId: b, dueAt: now }], from: Option.some(a), to: Option.none() },
            { event: four, targets: [{ webhookId: c, dueAt: now }], from: Option.none(), to: Option.none() }
          ])
        ).toEqual([true, true, false])
        expect((yield* owedWithDueTimes(four.teamspace)).map((row) => row.webhookId)).toEqual([a, b])
      })
    )

    test(
      "oweAll from several callers at once over the same events: each step won once, each delivery owed once",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const events = yield* Effect.all(Array.from({ length: 20 }, () => appended))
        const now = yield* Clock.currentTimeMillis
        const targets = webhooks(5).map((webhookId) => ({ webhookId, dueAt: now }))
        const steps = events.map((event) => ({ event, targets, from: Option.none<Ids.WebhookId>(), to: Option.none<Ids.WebhookId>() }))
        const runs = yield* Effect.all(
          Array.from({ length: 4 }, (_, run) => ledger.oweAll(run % 2 === 0 ? steps : [...steps].reverse())),
          { concurrency: "unbounded" }
        )
        for (const [n, event] of events.entries()) {
          const wins = runs.filter((won, run) => won[run % 2 === 0 ? n : events.length - 1 - n])
          expect(wins).toHaveLength(1)
          expect((yield* owedWithDueTimes(event.teamspace)).map((row) => row.webhookId)).toEqual(targets.map((t) => t.webhookId))
        }
      })
    )

    test(
      "a finished fan-out owes nothing again, not even what was settled since",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const [a, b] = webhooks(2) as [Ids.WebhookId, Ids.WebhookId]
        expect(yield* ledger.owe(event, [{ webhookId: a, dueAt: now }], Option.none(), Option.none())).toBe(true)
        yield* ledger.settle(jobOf(event.teamspace, event.id, a), Option.none())
        expect(yield* ledger.owe(event, [{ webhookId: a, dueAt: now }], Option.none(), Option.none())).toBe(false)
        expect(yield* ledger.owe(event, [{ webhookId: b, dueAt: now }], Option.none(), Option.some(b))).toBe(false)
        expect(yield* owedWithDueTimes(event.teamspace)).toEqual([])
      })
    )

    test(
      "two runs of one step at once: exactly one wins, each delivery owed once",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const targets = webhooks(50).map((webhookId) => ({ webhookId, dueAt: now }))
        const runs = yield* Effect.all(
          Array.from({ length: 4 }, () => ledger.owe(event, targets, Option.none(), Option.some(targets.at(-1)!.webhookId))),
          { concurrency: "unbounded" }
        )
        expect(runs.filter((won) => won)).toHaveLength(1)
        expect((yield* owedWithDueTimes(event.teamspace)).map((row) => row.webhookId)).toEqual(targets.map((t) => t.webhookId))
      })
    )

    test(
      "a target already owed keeps its row when a step owes it",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const [a, b] = webhooks(2) as [Ids.WebhookId, Ids.WebhookId]
        yield* ledger.redeliver(event.teamspace, [{ eventId: event.id, webhookId: a, dueAt: now }], now)
        yield* ledger.scheduled(jobOf(event.teamspace, event.id, a, 3), now + HOUR)
        expect(
          yield* ledger.owe(event, [{ webhookId: a, dueAt: now }, { webhookId: b, dueAt: now }], Option.none(), Option.none())
        ).toBe(true)
        expect(yield* owedWithDueTimes(event.teamspace)).toEqual([
          { eventId: event.id, webhookId: b, attempt: 1, dueAt: now },
          { eventId: event.id, webhookId: a, attempt: 3, dueAt: now + HOUR }
        ])
      })
    )

    test(
      "an ordered webhook's delivery is owed without a due time, and is not overdue",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const [ordered] = webhooks(1) as [Ids.WebhookId]
        expect(yield* ledger.owe(event, [{ webhookId: ordered, dueAt: null }], Option.none(), Option.none())).toBe(true)
        expect(yield* owedWithDueTimes(event.teamspace)).toEqual([])
        // Owed all the same.
        expect(yield* claimed(jobOf(event.teamspace, event.id, ordered))).toEqual(Option.some(1))
      })
    )

    test(
      "settle removes the row; a row already gone stays gone",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const [a, b] = webhooks(2) as [Ids.WebhookId, Ids.WebhookId]
        yield* ledger.owe(event, [{ webhookId: a, dueAt: now }, { webhookId: b, dueAt: now }], Option.none(), Option.none())
        yield* ledger.settle(jobOf(event.teamspace, event.id, a), Option.some(now))
        yield* ledger.settle(jobOf(event.teamspace, event.id, a), Option.some(now))
        expect((yield* owedWithDueTimes(event.teamspace)).map((row) => row.webhookId)).toEqual([b])
      })
    )

    test(
      "settle against a redelivery: kept when the redelivery came at or after the attempt's start, taken otherwise",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const [a, b, c] = webhooks(3) as [Ids.WebhookId, Ids.WebhookId, Ids.WebhookId]
        const job = (webhookId: Ids.WebhookId) => jobOf(event.teamspace, event.id, webhookId)
        yield* ledger.owe(event, [a, b, c].map((webhookId) => ({ webhookId, dueAt: now })), Option.none(), Option.none())
        yield* ledger.redeliver(event.teamspace, [a, b, c].map((webhookId) => ({ eventId: event.id, webhookId, dueAt: now })), now)
        // Started before the redelivery, or at its very millisecond: the redelivery is still owed.
        yield* ledger.settle(job(a), Option.some(now - 1))
        yield* ledger.settle(job(a), Option.some(now))
        // Started after it: that attempt answered it.
        yield* ledger.settle(job(b), Option.some(now + 1))
        // An outcome the queue never runs again: settled whatever.
        yield* ledger.settle(job(c), Option.none())
        expect((yield* owedWithDueTimes(event.teamspace)).map((row) => row.webhookId)).toEqual([a])
      })
    )

    test(
      "an ordinary delivery (never redelivered) settles whatever the attempt's start",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const [a] = webhooks(1) as [Ids.WebhookId]
        yield* ledger.owe(event, [{ webhookId: a, dueAt: now }], Option.none(), Option.none())
        yield* ledger.settle(jobOf(event.teamspace, event.id, a), Option.some(0))
        expect(yield* owedWithDueTimes(event.teamspace)).toEqual([])
      })
    )

    test(
      "scheduled records the retry's attempt and due time, and owes again a row a settle took",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const [a] = webhooks(1) as [Ids.WebhookId]
        yield* ledger.owe(event, [{ webhookId: a, dueAt: now }], Option.none(), Option.none())
        yield* ledger.scheduled(jobOf(event.teamspace, event.id, a, 2), now + 5_000)
        expect(yield* owedWithDueTimes(event.teamspace)).toEqual([
          { eventId: event.id, webhookId: a, attempt: 2, dueAt: now + 5_000 }
        ])
        yield* ledger.settle(jobOf(event.teamspace, event.id, a, 2), Option.none())
        expect(yield* owedWithDueTimes(event.teamspace)).toEqual([])
        yield* ledger.scheduled(jobOf(event.teamspace, event.id, a, 2), now + 7_000)
        expect(yield* owedWithDueTimes(event.teamspace)).toEqual([
          { eventId: event.id, webhookId: a, attempt: 2, dueAt: now + 7_000 }
        ])
      })
    )

    test(
      "claim counts the runs of an owed delivery, scheduled and redeliver start the count again, and a settled one has none",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const [a] = webhooks(1) as [Ids.WebhookId]
        const job = jobOf(event.teamspace, event.id, a)
        expect(yield* ledger.claim(job)).toEqual(Option.none())
        yield* ledger.owe(event, [{ webhookId: a, dueAt: now }], Option.none(), Option.none())
        expect(yield* ledger.claim(job)).toEqual(Option.some(1))
        expect(yield* ledger.claim(job)).toEqual(Option.some(2))
        yield* ledger.scheduled(job.next(), now + 1_000)
        expect(yield* ledger.claim(job.next())).toEqual(Option.some(1))
        expect(yield* ledger.claim(job.next())).toEqual(Option.some(2))
        yield* ledger.redeliver(event.teamspace, [{ eventId: event.id, webhookId: a, dueAt: now }], now)
        expect(yield* ledger.claim(job.next())).toEqual(Option.some(1))
        yield* ledger.settle(job.next(), Option.none())
        expect(yield* ledger.claim(job.next())).toEqual(Option.none())
      })
    )

    test(
      "concurrent claims each count",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const [a] = webhooks(1) as [Ids.WebhookId]
        const job = jobOf(event.teamspace, event.id, a)
        yield* ledger.owe(event, [{ webhookId: a, dueAt: now }], Option.none(), Option.none())
        const counts = yield* Effect.all(Array.from({ length: 5 }, () => ledger.claim(job)), { concurrency: "unbounded" })
        expect(counts.map((count) => Option.getOrElse(count, () => 0)).sort()).toEqual([1, 2, 3, 4, 5])
      })
    )

    test(
      "redeliver owes a settled delivery again at attempt 1, keeps a pending one's attempt and takes the earlier due time",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const [settled, retrying, later, ordered] = webhooks(4) as [Ids.WebhookId, Ids.WebhookId, Ids.WebhookId, Ids.WebhookId]
        yield* ledger.owe(
          event,
          [{ webhookId: settled, dueAt: now }, { webhookId: retrying, dueAt: now }, { webhookId: later, dueAt: now }, {
            webhookId: ordered,
            dueAt: null
          }],
          Option.none(),
          Option.none()
        )
        yield* ledger.settle(jobOf(event.teamspace, event.id, settled), Option.none())
        yield* ledger.scheduled(jobOf(event.teamspace, event.id, retrying, 3), now + HOUR)
        yield* ledger.scheduled(jobOf(event.teamspace, event.id, later, 2), now + 10)
        yield* ledger.redeliver(event.teamspace, [
          { eventId: event.id, webhookId: settled, dueAt: now + 5 },
          { eventId: event.id, webhookId: retrying, dueAt: now + 5 },
          { eventId: event.id, webhookId: later, dueAt: now + HOUR },
          { eventId: event.id, webhookId: ordered, dueAt: null }
        ], now + 5)
        expect(yield* owedWithDueTimes(event.teamspace)).toEqual([
          { eventId: event.id, webhookId: settled, attempt: 1, dueAt: now + 5 },
          { eventId: event.id, webhookId: retrying, attempt: 3, dueAt: now + 5 },
          { eventId: event.id, webhookId: later, attempt: 2, dueAt: now + 10 }
        ])
        // The ordered one is owed still, without a due time.
        expect(yield* claimed(jobOf(event.teamspace, event.id, ordered))).toEqual(Option.some(1))
      })
    )

    test(
      "release gives ordered deliveries still waiting a due time, and leaves rows that have one",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const [first, second] = [yield* appended, yield* appended]
        const now = yield* Clock.currentTimeMillis
        const [hook] = webhooks(1) as [Ids.WebhookId]
        yield* ledger.owe(first, [{ webhookId: hook, dueAt: null }], Option.none(), Option.none())
        const events = yield* EventStore.EventStore
        // The same teamspace for both, as one webhook's events are.
        const sibling = Fixtures.event({ teamspace: first.teamspace })
        yield* events.append(sibling)
        yield* ledger.owe(sibling, [{ webhookId: hook, dueAt: null }], Option.none(), Option.none())
        yield* ledger.scheduled(jobOf(first.teamspace, first.id, hook, 2), now + HOUR)
        yield* ledger.release(first.teamspace, hook, [first.id, sibling.id, second.id], now)
        expect(yield* owedWithDueTimes(first.teamspace)).toEqual([
          { eventId: sibling.id, webhookId: hook, attempt: 1, dueAt: now },
          { eventId: first.id, webhookId: hook, attempt: 2, dueAt: now + HOUR }
        ])
      })
    )

    test(
      "overdue reads rows due before a time, in (due, webhook, event) order, a keyset page at a time",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        // Due times of this test only: a random whole hour one to six years back, spread over 6 ms.
        const base = now - 400 * 24 * HOUR - Math.floor(Math.random() * 40_000) * HOUR
        const hooks = webhooks(12)
        const targets = hooks.map((webhookId, i) => ({ webhookId, dueAt: base + (i % 6) }))
        yield* ledger.owe(event, targets, Option.none(), Option.none())
        const expected = hooks
          .map((webhookId, i) => ({ webhookId, dueAt: base + (i % 6) }))
          .filter((row) => row.dueAt < base + 5)
          .sort((x, y) => x.dueAt - y.dueAt || (x.webhookId < y.webhookId ? -1 : 1))
        const pages: Array<Array<Ids.WebhookId>> = []
        let after: DeliveryLedger.OverdueCursor = { dueAt: base - 1, webhookId: hooks[0]!, eventId: event.id }
        for (let page = 0; page < 10; page++) {
          const rows = yield* ledger.overdue({ dueBefore: base + 5, after, limit: 3 })
          if (rows.length === 0) break
          pages.push(rows.map((row) => row.webhookId))
          after = rows.at(-1)!
        }
        expect(pages.map((page) => page.length)).toEqual([3, 3, 3, 1])
        expect(pages.flat()).toEqual(expected.map((row) => row.webhookId))
        // Due now and an hour ahead: overdue by a minute's grace only the first.
        const other = yield* appended
        const [due, ahead] = webhooks(2) as [Ids.WebhookId, Ids.WebhookId]
        yield* ledger.owe(
          other,
          [{ webhookId: due, dueAt: now - 10 * 60_000 }, { webhookId: ahead, dueAt: now + HOUR }],
          Option.none(),
          Option.none()
        )
        const overdue = yield* ledger.overdue({ dueBefore: now - 60_000, limit: ALL })
        expect(overdue.filter((row) => row.teamspace === other.teamspace).map((row) => row.webhookId)).toEqual([due])
      })
    )

    test(
      "unfinished fan-outs: listed once written before the time asked, with their cursor, until finished or abandoned",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const [partial, done, dropped] = [yield* appended, yield* appended, yield* appended]
        const now = yield* Clock.currentTimeMillis
        const [a, b] = webhooks(2) as [Ids.WebhookId, Ids.WebhookId]
        const ours = (rows: ReadonlyArray<DeliveryLedger.UnfinishedFanOut>) =>
          rows
            .filter((row) => [partial.teamspace, done.teamspace, dropped.teamspace].includes(row.teamspace))
            .map((row) => ({ eventId: row.eventId, after: row.after }))
        yield* ledger.owe(partial, [{ webhookId: a, dueAt: now }], Option.none(), Option.some(a))
        yield* ledger.owe(done, [{ webhookId: a, dueAt: now }], Option.none(), Option.some(a))
        yield* ledger.owe(done, [{ webhookId: b, dueAt: now }], Option.some(a), Option.none())
        yield* ledger.owe(dropped, [{ webhookId: a, dueAt: now }], Option.none(), Option.some(a))
        expect(ours(yield* ledger.unfinishedFanOuts(now - HOUR, ALL))).toEqual([])
        const unfinished = ours(yield* ledger.unfinishedFanOuts(now + HOUR, ALL))
        expect(unfinished).toHaveLength(2)
        expect(unfinished).toEqual(expect.arrayContaining([
          { eventId: partial.id, after: Option.some(a) },
          { eventId: dropped.id, after: Option.some(a) }
        ]))
        // Abandoned only if not written since the time given.
        yield* ledger.abandonFanOut(dropped.teamspace, dropped.id, now - HOUR)
        expect(ours(yield* ledger.unfinishedFanOuts(now + HOUR, ALL))).toHaveLength(2)
        yield* ledger.abandonFanOut(dropped.teamspace, dropped.id, now + HOUR)
        expect(ours(yield* ledger.unfinishedFanOuts(now + HOUR, ALL))).toEqual([{ eventId: partial.id, after: Option.some(a) }])
        // An abandoned fan-out's late step loses.
        expect(yield* ledger.owe(dropped, [{ webhookId: b, dueAt: now }], Option.some(a), Option.none())).toBe(false)
      })
    )

    test(
      "waiting heads: each ordered webhook's head since before the time asked, with its owed row's attempt and due time",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const sequences = yield* SequenceStore.SequenceStore
        const [first, second] = [yield* appended, yield* appended]
        const teamspace = first.teamspace
        const events = yield* EventStore.EventStore
        const sibling = Fixtures.event({ teamspace })
        yield* events.append(sibling)
        const now = yield* Clock.currentTimeMillis
        const [hook, bare] = webhooks(2) as [Ids.WebhookId, Ids.WebhookId]
        yield* ledger.owe(first, [{ webhookId: hook, dueAt: null }], Option.none(), Option.none())
        yield* ledger.owe(sibling, [{ webhookId: hook, dueAt: null }], Option.none(), Option.none())
        yield* sequences.enter(teamspace, hook, [first.id, sibling.id])
        // A head with no owed row (the ledger came after it).
        yield* sequences.enter(second.teamspace, bare, [second.id])
        const ours = (rows: ReadonlyArray<DeliveryLedger.WaitingHead>) =>
          rows
            .filter((row) => row.webhookId === hook || row.webhookId === bare)
            .map((row) => ({ teamspace: row.teamspace, webhookId: row.webhookId, eventId: row.eventId, attempt: row.attempt, dueAt: row.dueAt }))
        expect(ours(yield* ledger.waitingHeads(now - HOUR, ALL))).toEqual([])
        expect(ours(yield* ledger.waitingHeads(now + HOUR, ALL))).toEqual([
          { teamspace, webhookId: hook, eventId: first.id, attempt: 1, dueAt: null },
          { teamspace: second.teamspace, webhookId: bare, eventId: second.id, attempt: 1, dueAt: null }
        ])
        // A page after a webhook holds only the webhooks after it (`webhooks` sorts: hook < bare).
        expect(ours(yield* ledger.waitingHeads(now + HOUR, ALL, hook))).toEqual([
          { teamspace: second.teamspace, webhookId: bare, eventId: second.id, attempt: 1, dueAt: null }
        ])
        expect(ours(yield* ledger.waitingHeads(now + HOUR, ALL, bare))).toEqual([])
        yield* ledger.scheduled(jobOf(teamspace, first.id, hook, 2), now + 1_000)
        expect(ours(yield* ledger.waitingHeads(now + HOUR, ALL))[0]).toEqual(
          { teamspace, webhookId: hook, eventId: first.id, attempt: 2, dueAt: now + 1_000 }
        )
        yield* ledger.settle(jobOf(teamspace, first.id, hook, 2), Option.none())
        yield* sequences.advance(teamspace, hook, first.id)
        expect(ours(yield* ledger.waitingHeads(now + HOUR, ALL))[0]).toEqual(
          { teamspace, webhookId: hook, eventId: sibling.id, attempt: 1, dueAt: null }
        )
      })
    )

    test(
      "stranded: a delivery owed with no due time and in no sequence, once old enough; entered, it is not",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const sequences = yield* SequenceStore.SequenceStore
        const event = yield* appended
        const now = yield* Clock.currentTimeMillis
        const [waiting, strandedHook, due] = webhooks(3) as [Ids.WebhookId, Ids.WebhookId, Ids.WebhookId]
        yield* ledger.owe(
          event,
          [{ webhookId: waiting, dueAt: null }, { webhookId: strandedHook, dueAt: null }, { webhookId: due, dueAt: now }],
          Option.none(),
          Option.none()
        )
        yield* sequences.enter(event.teamspace, waiting, [event.id])
        const ours = (rows: ReadonlyArray<DeliveryLedger.StrandedDelivery>) =>
          rows.filter((row) => row.eventId === event.id).map((row) => row.webhookId)
        expect(ours(yield* ledger.stranded(now - HOUR, ALL))).toEqual([])
        expect(ours(yield* ledger.stranded(now + HOUR, ALL))).toEqual([strandedHook])
        yield* sequences.enter(event.teamspace, strandedHook, [event.id])
        expect(ours(yield* ledger.stranded(now + HOUR, ALL))).toEqual([])
      })
    )

    test(
      "the queue epoch read is the last written",
      Effect.gen(function*() {
        const ledger = yield* DeliveryLedger.DeliveryLedger
        const before = yield* ledger.readEpoch
        const [one, two] = [`epoch-${Ids.ulid()}`, `epoch-${Ids.ulid()}`]
        expect(Option.getOrUndefined(before)).not.toBe(one)
        yield* ledger.writeEpoch(one)
        expect(yield* ledger.readEpoch).toEqual(Option.some(one))
        yield* ledger.writeEpoch(two)
        expect(yield* ledger.readEpoch).toEqual(Option.some(two))
      })
    )
  })
