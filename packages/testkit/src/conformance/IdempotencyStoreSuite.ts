/**
 * Conformance suite for `IdempotencyStore` adapters: one owner per key among
 * concurrent requests, a replay of the completed response, a mismatch for a
 * different request under the same key, release for a retry, tokens that stop
 * a stale owner, and expiry of reservations and responses.
 *
 * Expiry is driven with `TestClock` (adapters read "now" from `Clock` and store
 * expiry times with the record). The TTLs are long in wall-clock terms (a
 * minute, ten minutes), so a store's own expiry cannot fire during a test on a
 * slow machine.
 */
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, type Layer, TestClock } from "effect"
import { IdempotencyStore } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

const reservationTtl = 60_000
const responseTtl = 600_000

/** A fresh scope key per test: suites never see each other's records. */
const freshKey = () => `${Fixtures.teamspace()}:${randomUUID()}`

const created = new IdempotencyStore.StoredResponse({
  status: 201,
  headers: { "content-type": "application/json", location: "/v1/webhooks/wh_1" },
  body: JSON.stringify({ id: "wh_1", url: "https://example.com/hook", note: "naïve ✓ 🚀" })
})

const reserved = (result: IdempotencyStore.BeginResult): string => {
  if (result._tag !== "Reserved") throw new Error(`expected Reserved, got ${result._tag}`)
  expect(result.token).not.toBe("")
  return result.token
}

/**
 * Registers the `IdempotencyStore` conformance tests under `name` (vitest `describe`), each on a
 * fresh build of `layer`, the adapter under test. Run it from a one-line test file in each adapter
 * package; a failing test names the behaviour the adapter breaks.
 */
export const suite = (name: string, layer: Layer.Layer<IdempotencyStore.IdempotencyStore, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: Effect.Effect<A, E, IdempotencyStore.IdempotencyStore>) =>
      it.effect(title, () => Effect.provide(Effect.zipRight(TestClock.setTime(Fixtures.baseTime), body), layer))

    test(
      "the first begin reserves the key; while it runs, the same request is in progress and another is a mismatch",
      Effect.gen(function*() {
        const store = yield* IdempotencyStore.IdempotencyStore
        const key = freshKey()
        reserved(yield* store.begin(key, "fp-a", reservationTtl))
        expect(yield* store.begin(key, "fp-a", reservationTtl)).toEqual({ _tag: "InProgress" })
        expect(yield* store.begin(key, "fp-b", reservationTtl)).toEqual({ _tag: "Mismatch" })
      })
    )

    test(
      "a completed request replays its response (status, headers, body); another request under the key is a mismatch",
      Effect.gen(function*() {
        const store = yield* IdempotencyStore.IdempotencyStore
        const key = freshKey()
        const token = reserved(yield* store.begin(key, "fp-a", reservationTtl))
        expect(yield* store.complete(key, token, "fp-a", created, responseTtl)).toBe(true)
        for (let i = 0; i < 2; i++) {
          const replay = yield* store.begin(key, "fp-a", reservationTtl)
          expect(replay).toEqual({ _tag: "Completed", response: created })
          if (replay._tag === "Completed") expect(replay.response.body).toBe(created.body)
        }
        expect(yield* store.begin(key, "fp-b", reservationTtl)).toEqual({ _tag: "Mismatch" })
        // Completing again is refused: the stored response stays the first one.
        const other = new IdempotencyStore.StoredResponse({ status: 200, headers: {}, body: "" })
        expect(yield* store.complete(key, token, "fp-a", other, responseTtl)).toBe(false)
        expect(yield* store.begin(key, "fp-a", reservationTtl)).toEqual({ _tag: "Completed", response: created })
      })
    )

    test(
      "an empty body and no headers replay as such",
      Effect.gen(function*() {
        const store = yield* IdempotencyStore.IdempotencyStore
        const key = freshKey()
        const empty = new IdempotencyStore.StoredResponse({ status: 204, headers: {}, body: "" })
        const token = reserved(yield* store.begin(key, "fp", reservationTtl))
        expect(yield* store.complete(key, token, "fp", empty, responseTtl)).toBe(true)
        expect(yield* store.begin(key, "fp", reservationTtl)).toEqual({ _tag: "Completed", response: empty })
      })
    )

    test(
      "of concurrent begins on one key exactly one reserves; the others are in progress",
      Effect.gen(function*() {
        const store = yield* IdempotencyStore.IdempotencyStore
        const key = freshKey()
        const results = yield* Effect.all(Array.from({ length: 30 }, () => store.begin(key, "fp", reservationTtl)), {
          concurrency: "unbounded"
        })
        expect(results.filter((result) => result._tag === "Reserved")).toHaveLength(1)
        expect(results.filter((result) => result._tag === "InProgress")).toHaveLength(29)
      })
    )

    test(
      "release frees the key for a retry, which gets a new token",
      Effect.gen(function*() {
        const store = yield* IdempotencyStore.IdempotencyStore
        const key = freshKey()
        const first = reserved(yield* store.begin(key, "fp", reservationTtl))
        yield* store.release(key, first)
        const second = reserved(yield* store.begin(key, "fp", reservationTtl))
        expect(second).not.toBe(first)
        // The retry may also be a different request: the released key kept nothing.
        yield* store.release(key, second)
        reserved(yield* store.begin(key, "fp-other", reservationTtl))
      })
    )

    test(
      "only the token that holds the key can complete or release it",
      Effect.gen(function*() {
        const store = yield* IdempotencyStore.IdempotencyStore
        const key = freshKey()
        const token = reserved(yield* store.begin(key, "fp", reservationTtl))
        yield* store.release(key, "not-the-token")
        expect(yield* store.complete(key, "not-the-token", "fp", created, responseTtl)).toBe(false)
        expect(yield* store.begin(key, "fp", reservationTtl)).toEqual({ _tag: "InProgress" })
        // Release does not touch a completed response either.
        expect(yield* store.complete(key, token, "fp", created, responseTtl)).toBe(true)
        yield* store.release(key, token)
        expect(yield* store.begin(key, "fp", reservationTtl)).toEqual({ _tag: "Completed", response: created })
      })
    )

    test(
      "a reservation expires, and its owner can no longer complete or release once a retry holds the key",
      Effect.gen(function*() {
        const store = yield* IdempotencyStore.IdempotencyStore
        const key = freshKey()
        const stale = reserved(yield* store.begin(key, "fp", reservationTtl))
        yield* TestClock.adjust(reservationTtl - 1)
        expect(yield* store.begin(key, "fp", reservationTtl)).toEqual({ _tag: "InProgress" })
        yield* TestClock.adjust(1)
        const retry = reserved(yield* store.begin(key, "fp", reservationTtl))
        expect(retry).not.toBe(stale)
        expect(yield* store.complete(key, stale, "fp", created, responseTtl)).toBe(false)
        yield* store.release(key, stale)
        expect(yield* store.begin(key, "fp", reservationTtl)).toEqual({ _tag: "InProgress" })
        expect(yield* store.complete(key, retry, "fp", created, responseTtl)).toBe(true)
        expect(yield* store.begin(key, "fp", reservationTtl)).toEqual({ _tag: "Completed", response: created })
      })
    )

    test(
      "a request that outlived its reservation untouched still stores its response",
      Effect.gen(function*() {
        const store = yield* IdempotencyStore.IdempotencyStore
        const key = freshKey()
        const token = reserved(yield* store.begin(key, "fp", reservationTtl))
        yield* TestClock.adjust(reservationTtl + 5_000)
        expect(yield* store.complete(key, token, "fp", created, responseTtl)).toBe(true)
        expect(yield* store.begin(key, "fp", reservationTtl)).toEqual({ _tag: "Completed", response: created })
      })
    )

    test(
      "a completed response expires after its TTL, counted from completion",
      Effect.gen(function*() {
        const store = yield* IdempotencyStore.IdempotencyStore
        const key = freshKey()
        const token = reserved(yield* store.begin(key, "fp", reservationTtl))
        yield* TestClock.adjust(30_000)
        expect(yield* store.complete(key, token, "fp", created, responseTtl)).toBe(true)
        yield* TestClock.adjust(responseTtl - 1)
        expect(yield* store.begin(key, "fp", reservationTtl)).toEqual({ _tag: "Completed", response: created })
        yield* TestClock.adjust(1)
        // Gone: the key is free again, for any request.
        reserved(yield* store.begin(key, "fp-new", reservationTtl))
      })
    )

    test(
      "keys are independent",
      Effect.gen(function*() {
        const store = yield* IdempotencyStore.IdempotencyStore
        const [a, b] = [freshKey(), freshKey()]
        const token = reserved(yield* store.begin(a, "fp", reservationTtl))
        yield* store.complete(a, token, "fp", created, responseTtl)
        reserved(yield* store.begin(b, "fp", reservationTtl))
        expect(yield* store.begin(a, "fp", reservationTtl)).toEqual({ _tag: "Completed", response: created })
      })
    )

    test(
      "an invalid TTL is a defect",
      Effect.gen(function*() {
        const store = yield* IdempotencyStore.IdempotencyStore
        for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
          const exit = yield* Effect.exit(store.begin(freshKey(), "fp", ttl))
          expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
          expect(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "").toContain("invalid TTL")
        }
      })
    )
  })
