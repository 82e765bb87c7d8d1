/**
 * Conformance suite for `ListenerRelay` adapters: a delivery reaches the
 * stream attached to its listener and no other, the stream's answer settles
 * it once (a response, or why the local URL was unreachable), no stream or no
 * answer fails it, an answer from another teamspace settles nothing, and
 * leases are found, renewed, released and claimed once when they lapse.
 *
 * On the live clock: the relay's waits are real timeouts, kept short here.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, type Layer, Queue, type Scope } from "effect"
import { type Ids, ListenerRelay } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

const delivery = (webhookId: string) => ({
  webhookId: webhookId as Ids.WebhookId,
  eventId: "evt_relay_1",
  eventType: "batch_prediction.completed",
  attempt: 1,
  headers: { "Content-Type": "application/json", "webhook-signature": "v1,abc" },
  body: JSON.stringify({ id: "evt_relay_1", note: "naïve ✓ 🚀" })
})

const ok = { _tag: "Response", response: { status: 204, headers: { "x-local": "yes" }, body: "" } } as const

/**
 * Registers the `ListenerRelay` conformance tests under `name`, each on a fresh build of `layer`,
 * the adapter under test (one process's relay: sender, stream and answer in it).
 */
export const suite = (name: string, layer: Layer.Layer<ListenerRelay.ListenerRelay, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: Effect.Effect<A, E, ListenerRelay.ListenerRelay | Scope.Scope>) =>
      it.live(title, () => Effect.provide(Effect.scoped(body), layer), 20_000)

    test(
      "a delivery reaches the listener's stream, and its answer is what the send returns",
      Effect.gen(function*() {
        const relay = yield* ListenerRelay.ListenerRelay
        const teamspace = Fixtures.teamspace()
        const listener = ListenerRelay.makeListenerId()
        const stream = yield* relay.attach(teamspace, listener)
        const other = yield* relay.attach(teamspace, ListenerRelay.makeListenerId())
        const sending = yield* Effect.fork(relay.send(teamspace, listener, delivery("wh_1"), 10_000))
        const received = yield* Queue.take(stream)
        expect(received).toMatchObject(delivery("wh_1"))
        expect(received.id).not.toBe("")
        yield* relay.answer(teamspace, listener, received.id, ok)
        expect(yield* Fiber.join(sending)).toEqual(ok.response)
        expect(yield* Queue.size(other)).toBe(0)
        // Settled once: a second answer to it is refused.
        const again = yield* Effect.either(relay.answer(teamspace, listener, received.id, ok))
        expect(Either.isLeft(again) && again.left._tag).toBe("NoSuchDelivery")
      })
    )

    test(
      "an unreachable local URL fails the send with kind connection and the CLI's message",
      Effect.gen(function*() {
        const relay = yield* ListenerRelay.ListenerRelay
        const teamspace = Fixtures.teamspace()
        const listener = ListenerRelay.makeListenerId()
        const stream = yield* relay.attach(teamspace, listener)
        const sending = yield* Effect.fork(Effect.either(relay.send(teamspace, listener, delivery("wh_2"), 10_000)))
        const received = yield* Queue.take(stream)
        yield* relay.answer(teamspace, listener, received.id, { _tag: "Unreachable", message: "ECONNREFUSED 127.0.0.1:3000" })
        const sent = yield* Fiber.join(sending)
        expect(Either.isLeft(sent) && sent.left).toMatchObject({ kind: "connection" })
        expect(Either.isLeft(sent) && sent.left.message).toContain("ECONNREFUSED 127.0.0.1:3000")
      })
    )

    test(
      "with no stream attached (or after it detached) the send fails with kind connection",
      Effect.gen(function*() {
        const relay = yield* ListenerRelay.ListenerRelay
        const teamspace = Fixtures.teamspace()
        const listener = ListenerRelay.makeListenerId()
        const first = yield* Effect.either(relay.send(teamspace, listener, delivery("wh_3"), 5_000))
        expect(Either.isLeft(first) && first.left.kind).toBe("connection")
        yield* Effect.scoped(relay.attach(teamspace, listener))
        const after = yield* Effect.either(relay.send(teamspace, listener, delivery("wh_3"), 5_000))
        expect(Either.isLeft(after) && after.left.kind).toBe("connection")
      })
    )

    test(
      "a stream that never answers fails the send with kind timeout",
      Effect.gen(function*() {
        const relay = yield* ListenerRelay.ListenerRelay
        const teamspace = Fixtures.teamspace()
        const listener = ListenerRelay.makeListenerId()
        yield* relay.attach(teamspace, listener)
        const sent = yield* Effect.either(relay.send(teamspace, listener, delivery("wh_4"), 300))
        expect(Either.isLeft(sent) && sent.left.kind).toBe("timeout")
      })
    )

    test(
      "an answer naming another teamspace's listener settles nothing; a made-up id is refused",
      Effect.gen(function*() {
        const relay = yield* ListenerRelay.ListenerRelay
        const teamspace = Fixtures.teamspace()
        const listener = ListenerRelay.makeListenerId()
        const stream = yield* relay.attach(teamspace, listener)
        const sending = yield* Effect.fork(Effect.either(relay.send(teamspace, listener, delivery("wh_5"), 1_000)))
        const received = yield* Queue.take(stream)
        yield* Effect.either(relay.answer(Fixtures.teamspace(), listener, received.id, ok))
        const sent = yield* Fiber.join(sending)
        expect(Either.isLeft(sent) && sent.left.kind).toBe("timeout")
        const madeUp = yield* Effect.either(relay.answer(teamspace, listener, "not-a-relay-id", ok))
        expect(Either.isLeft(madeUp) && madeUp.left._tag).toBe("NoSuchDelivery")
      })
    )

    test(
      "leases are found while held, renewed, released, and a lapsed one is claimed once",
      Effect.gen(function*() {
        const relay = yield* ListenerRelay.ListenerRelay
        const teamspace = Fixtures.teamspace()
        const kept = { teamspace, listenerId: ListenerRelay.makeListenerId(), webhookId: "wh_kept" as Ids.WebhookId }
        const lapsing = { teamspace, listenerId: ListenerRelay.makeListenerId(), webhookId: "wh_lapsing" as Ids.WebhookId }
        const released = { teamspace, listenerId: ListenerRelay.makeListenerId(), webhookId: "wh_released" as Ids.WebhookId }
        const now = Date.now()
        yield* relay.lease(kept, now - 1_000)
        yield* relay.lease(kept, now + 60_000) // renewed
        yield* relay.lease(lapsing, now - 1_000)
        yield* relay.lease(released, now - 1_000)
        expect(yield* relay.find(teamspace, kept.listenerId)).toEqual(kept)
        expect(yield* relay.find(Fixtures.teamspace(), kept.listenerId)).toBeUndefined()
        yield* relay.release(teamspace, released.listenerId)
        expect(yield* relay.find(teamspace, released.listenerId)).toBeUndefined()

        // Other tests' leases may share the store: only this test's are looked at.
        const mine = (leases: ReadonlyArray<ListenerRelay.ListenerLease>) => leases.filter((lease) => lease.teamspace === teamspace)
        expect(mine(yield* relay.expired(now, 1_000))).toEqual([lapsing])
        expect(mine(yield* relay.expired(now, 1_000))).toEqual([])
        expect(yield* relay.find(teamspace, lapsing.listenerId)).toBeUndefined()
        expect(yield* relay.find(teamspace, kept.listenerId)).toEqual(kept)
      })
    )
  })
