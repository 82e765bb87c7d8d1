/**
 * Conformance suite for `ApiKeyStore` adapters: keys by hash. Port-only, fresh
 * layer per test, random hashes (see `SubscriptionStoreSuite`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { ApiKeyStore } from "@herald/core"
import * as Fixtures from "./Fixtures.js"

const snapshot = (key: ApiKeyStore.ApiKey) => ({
  hash: key.hash,
  teamspace: key.teamspace,
  scopes: [...key.scopes],
  label: key.label,
  createdAt: key.createdAt
})

export const suite = (name: string, layer: Layer.Layer<ApiKeyStore.ApiKeyStore, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: Effect.Effect<A, E, ApiKeyStore.ApiKeyStore>) =>
      it.live(title, () => Effect.provide(body, layer))

    test(
      "insert then findByHash returns the key",
      Effect.gen(function*() {
        const store = yield* ApiKeyStore.ApiKeyStore
        const key = Fixtures.apiKey({ teamspace: Fixtures.teamspace(), label: "CI ✓" })
        const other = Fixtures.apiKey({ teamspace: Fixtures.teamspace() })
        yield* store.insert(key)
        yield* store.insert(other)
        expect(Option.map(yield* store.findByHash(key.hash), snapshot)).toEqual(Option.some(snapshot(key)))
        expect(Option.map(yield* store.findByHash(other.hash), snapshot)).toEqual(Option.some(snapshot(other)))
      })
    )

    test(
      "findByHash of an unknown hash is None",
      Effect.gen(function*() {
        const store = yield* ApiKeyStore.ApiKeyStore
        const key = Fixtures.apiKey({ teamspace: Fixtures.teamspace() })
        expect(Option.isNone(yield* store.findByHash(key.hash))).toBe(true)
      })
    )

    test(
      "remove returns true once, then false, and the key no longer authenticates",
      Effect.gen(function*() {
        const store = yield* ApiKeyStore.ApiKeyStore
        const teamspace = Fixtures.teamspace()
        const key = Fixtures.apiKey({ teamspace })
        const kept = Fixtures.apiKey({ teamspace })
        yield* store.insert(key)
        yield* store.insert(kept)
        expect(yield* store.remove(key.hash)).toBe(true)
        expect(yield* store.remove(key.hash)).toBe(false)
        expect(Option.isNone(yield* store.findByHash(key.hash))).toBe(true)
        expect(Option.isSome(yield* store.findByHash(kept.hash))).toBe(true)
      })
    )
  })
