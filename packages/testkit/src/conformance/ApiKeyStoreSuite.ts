/**
 * Conformance suite for `ApiKeyStore` adapters: keys by hash, by id, and per
 * teamspace. Port-only, fresh layer per test, random hashes and teamspaces (see
 * `SubscriptionStoreSuite`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { ApiKeyStore } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

const snapshot = (key: ApiKeyStore.ApiKey) => ({
  hash: key.hash,
  teamspace: key.teamspace,
  scopes: [...key.scopes],
  label: key.label,
  createdAt: key.createdAt
})

type Store = ApiKeyStore.ApiKeyStoreShape

/**
 * Inserts two keys of a new teamspace and removes the first, checking that the
 * removal found it: `removed` is gone, `kept` stays.
 */
const insertTwoRemoveOne = (store: Store) =>
  Effect.gen(function*() {
    const teamspace = Fixtures.teamspace()
    const removed = Fixtures.apiKey({ teamspace })
    const kept = Fixtures.apiKey({ teamspace })
    yield* store.insert(removed)
    yield* store.insert(kept)
    expect(yield* store.remove(removed.hash)).toBe(true)
    return { teamspace, removed, kept }
  })

/**
 * Registers the `ApiKeyStore` conformance tests under `name` (vitest `describe`), each on a fresh
 * build of `layer`, the adapter under test. Run it from a one-line test file in each adapter
 * package; a failing test names the behaviour the adapter breaks.
 */
export const suite = (name: string, layer: Layer.Layer<ApiKeyStore.ApiKeyStore, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: (store: Store) => Effect.Effect<A, E>) =>
      it.live(title, () => Effect.provide(Effect.flatMap(ApiKeyStore.ApiKeyStore, body), layer))

    test("insert then findByHash returns the key", (store) =>
      Effect.gen(function*() {
        const key = Fixtures.apiKey({ teamspace: Fixtures.teamspace(), label: "CI ✓" })
        const other = Fixtures.apiKey({ teamspace: Fixtures.teamspace() })
        yield* store.insert(key)
        yield* store.insert(other)
        expect(Option.map(yield* store.findByHash(key.hash), snapshot)).toEqual(Option.some(snapshot(key)))
        expect(Option.map(yield* store.findByHash(other.hash), snapshot)).toEqual(Option.some(snapshot(other)))
      }))

    test("findByHash of an unknown hash is None", (store) =>
      Effect.gen(function*() {
        const key = Fixtures.apiKey({ teamspace: Fixtures.teamspace() })
        expect(Option.isNone(yield* store.findByHash(key.hash))).toBe(true)
      }))

    test("remove returns true once, then false, and the key no longer authenticates", (store) =>
      Effect.gen(function*() {
        const { kept, removed } = yield* insertTwoRemoveOne(store)
        expect(yield* store.remove(removed.hash)).toBe(false)
        expect(Option.isNone(yield* store.findByHash(removed.hash))).toBe(true)
        expect(Option.isSome(yield* store.findByHash(kept.hash))).toBe(true)
      }))

    test("findById finds a key by the first 12 hex digits of its hash; an unknown id is None", (store) =>
      Effect.gen(function*() {
        const key = Fixtures.apiKey({ teamspace: Fixtures.teamspace() })
        yield* store.insert(key)
        expect(key.id).toBe(key.hash.slice(0, 12))
        expect(Option.map(yield* store.findById(key.id), snapshot)).toEqual(Option.some(snapshot(key)))
        expect(Option.isNone(yield* store.findById(Fixtures.apiKey({ teamspace: key.teamspace }).id))).toBe(true)
      }))

    test("list returns a teamspace's keys, oldest first, and no other teamspace's", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const other = Fixtures.teamspace()
        const newer = Fixtures.apiKey({ teamspace, createdAt: Fixtures.baseTime + 2_000 })
        const older = Fixtures.apiKey({ teamspace, createdAt: Fixtures.baseTime + 1_000 })
        yield* store.insert(newer)
        yield* store.insert(older)
        yield* store.insert(Fixtures.apiKey({ teamspace: other }))
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(older), snapshot(newer)])
        expect(yield* store.list(Fixtures.teamspace())).toEqual([])
      }))

    test("a removed key leaves the listing and can no longer be found by id", (store) =>
      Effect.gen(function*() {
        const { kept, removed, teamspace } = yield* insertTwoRemoveOne(store)
        expect((yield* store.list(teamspace)).map((listed) => listed.hash)).toEqual([kept.hash])
        expect(Option.isNone(yield* store.findById(removed.id))).toBe(true)
        expect(Option.isSome(yield* store.findById(kept.id))).toBe(true)
      }))

    test("inserting a key again replaces it, under its new teamspace only", (store) =>
      Effect.gen(function*() {
        const first = Fixtures.teamspace()
        const second = Fixtures.teamspace()
        const key = Fixtures.apiKey({ teamspace: first })
        yield* store.insert(key)
        const moved = new ApiKeyStore.ApiKey({ ...key, teamspace: second, scopes: ["read"], label: "moved" })
        yield* store.insert(moved)
        expect(yield* store.list(first)).toEqual([])
        expect((yield* store.list(second)).map(snapshot)).toEqual([snapshot(moved)])
        expect(Option.map(yield* store.findByHash(key.hash), snapshot)).toEqual(Option.some(snapshot(moved)))
        expect(Option.map(yield* store.findById(key.id), snapshot)).toEqual(Option.some(snapshot(moved)))
      }))
  })
