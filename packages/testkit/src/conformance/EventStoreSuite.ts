/**
 * Conformance suite for `EventStore` adapters: append-once semantics keyed by
 * (teamspace, id). Port-only, fresh layer per test, unique teamspaces, live
 * clock (see `SubscriptionStoreSuite`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { type Event, EventCursor, EventStore, Ids } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

const snapshot = (event: Event.Event) => ({
  id: event.id,
  teamspace: event.teamspace,
  type: event.type,
  dataJson: event.dataJson,
  createdAt: event.createdAt
})

/** Newest first: createdAt descending, then id descending. */
const newestFirst = (a: Event.Event, b: Event.Event) =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/** Every page of `query`, following each page's last event as the cursor. */
const allPages = (store: EventStore.EventStoreShape, query: EventStore.EventQuery) =>
  Effect.gen(function*() {
    const pages: Array<ReadonlyArray<string>> = []
    let before: EventStore.EventPosition | undefined
    for (let page = 0; page < 100; page++) {
      const rows = yield* store.list({ ...query, before })
      if (rows.length === 0) break
      pages.push(rows.map((event) => event.id))
      before = rows.at(-1)!
    }
    return pages
  })

/**
 * Registers the `EventStore` conformance tests under `name` (vitest `describe`), each on a fresh
 * build of `layer`, the adapter under test. Run it from a one-line test file in each adapter
 * package; a failing test names the behaviour the adapter breaks.
 */
export const suite = (name: string, layer: Layer.Layer<EventStore.EventStore, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: Effect.Effect<A, E, EventStore.EventStore>) =>
      it.live(title, () => Effect.provide(body, layer))

    test(
      "an event is undispatched until marked, and the mark is per (teamspace, id)",
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        const teamspace = Fixtures.teamspace()
        const other = Fixtures.teamspace()
        const event = Fixtures.event({ teamspace })
        const twin = Fixtures.event({ teamspace: other, id: event.id })
        yield* store.append(event)
        yield* store.append(twin)
        const before = yield* store.append(event)
        expect(before).toMatchObject({ _tag: "Exists", dispatched: false })
        yield* store.markDispatched(teamspace, event.id)
        yield* store.markDispatched(teamspace, event.id)
        const after = yield* store.append(event)
        expect(after).toMatchObject({ _tag: "Exists", dispatched: true })
        expect(after._tag === "Exists" && snapshot(after.existing)).toEqual(snapshot(event))
        expect(yield* store.append(twin)).toMatchObject({ _tag: "Exists", dispatched: false })
      })
    )

    test(
      "appendAll appends a batch in one call, a result per event in order, and markDispatchedAll marks them",
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        const teamspace = Fixtures.teamspace()
        const stored = Fixtures.event({ teamspace })
        yield* store.append(stored)
        yield* store.markDispatched(teamspace, stored.id)
        const fresh = [Fixtures.event({ teamspace }), Fixtures.event({ teamspace, type: Fixtures.typeB })] as const
        const results = yield* store.appendAll([fresh[0], stored, fresh[1]])
        expect(results.map((result) => result._tag)).toEqual(["Appended", "Exists", "Appended"])
        expect(results[1]).toMatchObject({ _tag: "Exists", dispatched: true })
        expect(results[1]!._tag === "Exists" && snapshot(results[1]!.existing)).toEqual(snapshot(stored))
        for (const event of fresh) expect(snapshot(Option.getOrThrow(yield* store.get(teamspace, event.id)))).toEqual(snapshot(event))
        expect(yield* store.appendAll([])).toEqual([])
        yield* store.markDispatchedAll(teamspace, [fresh[0].id])
        yield* store.markDispatchedAll(teamspace, [])
        const again = yield* store.appendAll(fresh)
        expect(again.map((result) => result._tag === "Exists" && result.dispatched)).toEqual([true, false])
      })
    )

    test(
      "append then get returns the event",
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        const teamspace = Fixtures.teamspace()
        const event = Fixtures.event({ teamspace, type: Fixtures.typeB, data: { nested: { list: [1, "two", null] } } })
        expect(yield* store.append(event)).toEqual({ _tag: "Appended" })
        const got = Option.getOrThrow(yield* store.get(teamspace, event.id))
        expect(snapshot(got)).toEqual(snapshot(event))
        expect(JSON.parse(got.dataJson)).toEqual({ nested: { list: [1, "two", null] } })
      })
    )

    test(
      "get of an unknown id is None",
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        expect(Option.isNone(yield* store.get(Fixtures.teamspace(), Ids.makeEventId()))).toBe(true)
      })
    )

    test(
      "a second append of the id returns Exists with the original, which stays stored",
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        const teamspace = Fixtures.teamspace()
        const original = Fixtures.event({ teamspace, data: { version: 1 } })
        const again = Fixtures.event({ teamspace, id: original.id, type: Fixtures.typeC, data: { version: 2 } })
        yield* store.append(original)
        const result = yield* store.append(again)
        expect(result._tag).toBe("Exists")
        if (result._tag === "Exists") expect(snapshot(result.existing)).toEqual(snapshot(original))
        // The identical event again is Exists too (idempotent publish retries).
        expect((yield* store.append(original))._tag).toBe("Exists")
        expect(Option.map(yield* store.get(teamspace, original.id), snapshot)).toEqual(Option.some(snapshot(original)))
      })
    )

    test(
      "events are keyed by (teamspace, id): one id in two teamspaces is two events",
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        const one = Fixtures.teamspace()
        const two = Fixtures.teamspace()
        const id = Ids.makeEventId()
        const first = Fixtures.event({ teamspace: one, id, data: { owner: 1 } })
        const second = Fixtures.event({ teamspace: two, id, data: { owner: 2 } })
        expect(yield* store.append(first)).toEqual({ _tag: "Appended" })
        expect(yield* store.append(second)).toEqual({ _tag: "Appended" })
        expect(Option.map(yield* store.get(one, id), snapshot)).toEqual(Option.some(snapshot(first)))
        expect(Option.map(yield* store.get(two, id), snapshot)).toEqual(Option.some(snapshot(second)))
        expect(Option.isNone(yield* store.get(Fixtures.teamspace(), id))).toBe(true)
      })
    )

    test(
      "publisher-chosen ids (any URL-safe token) work",
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        const teamspace = Fixtures.teamspace()
        const id = "order-42.created_v1" as Ids.EventId
        yield* store.append(Fixtures.event({ teamspace, id }))
        expect(Option.map(yield* store.get(teamspace, id), (event) => event.id)).toEqual(Option.some(id))
      })
    )

    test(
      "of 20 concurrent appends of one id exactly one is Appended, and every Exists returns the winner",
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        const teamspace = Fixtures.teamspace()
        const id = Ids.makeEventId()
        const candidates = Array.from({ length: 20 }, (_, n) => Fixtures.event({ teamspace, id, data: { n } }))
        const results = yield* Effect.all(candidates.map((event) => store.append(event)), { concurrency: "unbounded" })
        const appended = results.flatMap((result, n) => result._tag === "Appended" ? [candidates[n]!] : [])
        expect(appended).toHaveLength(1)
        const winner = snapshot(appended[0]!)
        for (const result of results) {
          if (result._tag === "Exists") expect(snapshot(result.existing)).toEqual(winner)
        }
        expect(Option.map(yield* store.get(teamspace, id), snapshot)).toEqual(Option.some(winner))
      })
    )

    test(
      "list pages through a teamspace's events newest first, ties in time ordered by id, each event once",
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        const teamspace = Fixtures.teamspace()
        // Publisher ids don't sort by time, and several events share a millisecond.
        const events = Array.from({ length: 23 }, (_, n) =>
          Fixtures.event({
            teamspace,
            id: `order-${(n * 7) % 23}.v${n % 3}` as Ids.EventId,
            time: Fixtures.baseTime + Math.floor(n / 3) * 1000
          }))
        yield* Effect.forEach(events, (event) => store.append(event))
        yield* store.append(Fixtures.event({ teamspace: Fixtures.teamspace(), time: Fixtures.baseTime + 999_999 }))
        const expected = [...events].sort(newestFirst).map((event) => event.id)
        const pages = yield* allPages(store, { teamspace, limit: 5 })
        expect(pages.map((page) => page.length)).toEqual([5, 5, 5, 5, 3])
        expect(pages.flat()).toEqual(expected)
        const one = yield* store.list({ teamspace, limit: 100 })
        expect(one.map((event) => event.id)).toEqual(expected)
        expect(snapshot(one[0]!)).toEqual(snapshot([...events].sort(newestFirst)[0]!))
      })
    )

    test(
      "list filters by any of several types, and by [createdAfter, createdBefore)",
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        const teamspace = Fixtures.teamspace()
        const types = [Fixtures.typeA, Fixtures.typeB, Fixtures.typeC]
        const events = Array.from({ length: 30 }, (_, n) =>
          Fixtures.event({ teamspace, type: types[n % 3]!, time: Fixtures.baseTime + n * 10 }))
        yield* Effect.forEach(events, (event) => store.append(event))
        const ids = (rows: ReadonlyArray<Event.Event>) => rows.map((event) => event.id)
        const expect_ = (keep: (event: Event.Event) => boolean) =>
          events.filter(keep).sort(newestFirst).map((event) => event.id)

        const ofAandC = yield* allPages(store, { teamspace, types: [Fixtures.typeA, Fixtures.typeC], limit: 4 })
        expect(ofAandC.flat()).toEqual(expect_((event) => event.type !== Fixtures.typeB))
        expect(ids(yield* store.list({ teamspace, types: [Fixtures.typeB], limit: 100 })))
          .toEqual(expect_((event) => event.type === Fixtures.typeB))
        expect(yield* store.list({ teamspace, types: ["knowledge.unknown_type" as never], limit: 10 })).toEqual([])

        const from = Fixtures.baseTime + 50
        const until = Fixtures.baseTime + 150
        const windowed = yield* allPages(store, { teamspace, createdAfter: from, createdBefore: until, limit: 3 })
        expect(windowed.flat()).toEqual(expect_((event) => event.createdAt >= from && event.createdAt < until))
        expect(windowed.flat()).toHaveLength(10)
        expect(ids(yield* store.list({ teamspace, types: [Fixtures.typeA], createdAfter: from, createdBefore: until, limit: 100 })))
          .toEqual(expect_((event) => event.type === Fixtures.typeA && event.createdAt >= from && event.createdAt < until))
      })
    )

    test(
      "list sees only the teamspace's own events, and a position from the encoded cursor resumes the page",
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        const teamspace = Fixtures.teamspace()
        expect(yield* store.list({ teamspace, limit: 10 })).toEqual([])
        const mine = Array.from({ length: 4 }, (_, n) => Fixtures.event({ teamspace, time: Fixtures.baseTime + n }))
        const theirs = Fixtures.event({ teamspace: Fixtures.teamspace(), time: Fixtures.baseTime + 2 })
        yield* Effect.forEach([...mine, theirs], (event) => store.append(event))
        const first = yield* store.list({ teamspace, limit: 2 })
        expect(first.map((event) => event.id)).toEqual([mine[3]!.id, mine[2]!.id])
        const position = Option.getOrThrow(EventCursor.decode(EventCursor.encode(first[1]!)))
        const rest = yield* store.list({ teamspace, before: position, limit: 10 })
        expect(rest.map((event) => event.id)).toEqual([mine[1]!.id, mine[0]!.id])
      })
    )
  })
