/**
 * Conformance suite for `SequenceStore` adapters: per (teamspace, webhook), a
 * first-in first-out sequence of event ids without duplicates, whose head only
 * moves when the head itself is advanced, atomically under concurrency.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { Ids, SequenceStore } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

const events = (count: number) => Array.from({ length: count }, () => Ids.makeEventId())

/**
 * Registers the `SequenceStore` conformance tests under `name` (vitest `describe`), each on a fresh
 * build of `layer`, the adapter under test. Run it from a one-line test file in each adapter
 * package; a failing test names the behaviour the adapter breaks.
 */
export const suite = (name: string, layer: Layer.Layer<SequenceStore.SequenceStore, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: Effect.Effect<A, E, SequenceStore.SequenceStore>) =>
      it.live(title, () => Effect.provide(body, layer))

    test(
      "events leave in the order they entered, each head only by advancing that head",
      Effect.gen(function*() {
        const store = yield* SequenceStore.SequenceStore
        const teamspace = Fixtures.teamspace()
        const webhook = Ids.makeWebhookId()
        const [a, b, c, d] = events(4) as [Ids.EventId, Ids.EventId, Ids.EventId, Ids.EventId]
        expect(yield* store.enter(teamspace, webhook, [a])).toEqual(Option.some(a))
        expect(yield* store.enter(teamspace, webhook, [b, c])).toEqual(Option.some(a))
        // Advancing an event that is not the head changes nothing.
        expect(yield* store.advance(teamspace, webhook, c)).toEqual(Option.some(a))
        expect(yield* store.advance(teamspace, webhook, a)).toEqual(Option.some(b))
        // Advancing the same event twice (a repeated job) is harmless.
        expect(yield* store.advance(teamspace, webhook, a)).toEqual(Option.some(b))
        expect(yield* store.enter(teamspace, webhook, [d])).toEqual(Option.some(b))
        expect(yield* store.advance(teamspace, webhook, b)).toEqual(Option.some(c))
        expect(yield* store.advance(teamspace, webhook, c)).toEqual(Option.some(d))
        expect(yield* store.advance(teamspace, webhook, d)).toEqual(Option.none())
        expect(yield* store.advance(teamspace, webhook, d)).toEqual(Option.none())
        // An emptied sequence starts again.
        expect(yield* store.enter(teamspace, webhook, [c])).toEqual(Option.some(c))
      })
    )

    test(
      "an event already waiting keeps its place when it enters again",
      Effect.gen(function*() {
        const store = yield* SequenceStore.SequenceStore
        const teamspace = Fixtures.teamspace()
        const webhook = Ids.makeWebhookId()
        const [a, b, c] = events(3) as [Ids.EventId, Ids.EventId, Ids.EventId]
        yield* store.enter(teamspace, webhook, [a, b])
        expect(yield* store.enter(teamspace, webhook, [b, c, a, c])).toEqual(Option.some(a))
        expect(yield* store.drain(teamspace, webhook)).toEqual([a, b, c])
      })
    )

    test(
      "drain returns everything waiting in order and empties the sequence",
      Effect.gen(function*() {
        const store = yield* SequenceStore.SequenceStore
        const teamspace = Fixtures.teamspace()
        const webhook = Ids.makeWebhookId()
        const ids = events(5)
        yield* store.enter(teamspace, webhook, ids)
        yield* store.advance(teamspace, webhook, ids[0]!)
        expect(yield* store.drain(teamspace, webhook)).toEqual(ids.slice(1))
        expect(yield* store.drain(teamspace, webhook)).toEqual([])
        expect(yield* store.advance(teamspace, webhook, ids[1]!)).toEqual(Option.none())
        expect(yield* store.enter(teamspace, webhook, [])).toEqual(Option.none())
      })
    )

    test(
      "sequences are per webhook and per teamspace",
      Effect.gen(function*() {
        const store = yield* SequenceStore.SequenceStore
        const [one, two] = [Fixtures.teamspace(), Fixtures.teamspace()]
        const [hookA, hookB] = [Ids.makeWebhookId(), Ids.makeWebhookId()]
        const [a, b, c] = events(3) as [Ids.EventId, Ids.EventId, Ids.EventId]
        yield* store.enter(one, hookA, [a])
        expect(yield* store.enter(one, hookB, [b])).toEqual(Option.some(b))
        expect(yield* store.enter(two, hookA, [c])).toEqual(Option.some(c))
        expect(yield* store.drain(one, hookA)).toEqual([a])
        expect(yield* store.drain(one, hookB)).toEqual([b])
        expect(yield* store.drain(two, hookA)).toEqual([c])
      })
    )

    test(
      "concurrent enters keep every event once, and concurrent advances of one head move it once",
      Effect.gen(function*() {
        const store = yield* SequenceStore.SequenceStore
        const teamspace = Fixtures.teamspace()
        const webhook = Ids.makeWebhookId()
        const ids = events(40)
        yield* store.enter(teamspace, webhook, [ids[0]!])
        yield* Effect.forEach(ids, (id) => store.enter(teamspace, webhook, [id, ids[0]!]), { concurrency: "unbounded" })
        const heads = yield* Effect.forEach(
          Array.from({ length: 10 }),
          () => store.advance(teamspace, webhook, ids[0]!),
          { concurrency: "unbounded" }
        )
        expect(new Set(heads.map(Option.getOrUndefined)).size).toBe(1)
        const rest = yield* store.drain(teamspace, webhook)
        expect(rest).toHaveLength(39)
        expect(new Set(rest)).toEqual(new Set(ids.filter((id) => id !== ids[0])))
      })
    )
  })
