/**
 * Conformance suite for `EventStore` adapters: append-once semantics keyed by
 * (teamspace, id). Port-only, fresh layer per test, unique teamspaces, live
 * clock (see `SubscriptionStoreSuite`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { type Event, EventStore, Ids } from "@herald/core"
import * as Fixtures from "./Fixtures.js"

const snapshot = (event: Event.Event) => ({
  id: event.id,
  teamspace: event.teamspace,
  type: event.type,
  dataJson: event.dataJson,
  createdAt: event.createdAt
})

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
  })
