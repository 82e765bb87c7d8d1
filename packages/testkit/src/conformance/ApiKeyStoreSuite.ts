/**
 * Conformance suite for `ApiKeyStore` adapters: keys by hash, by id, and per
 * teamspace; portal sessions' keys until they expire, and never listed.
 * Port-only, fresh layer per test, random hashes and teamspaces (see
 * `SubscriptionStoreSuite`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, type Layer, Option } from "effect"
import { ApiKeyStore } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

const snapshot = (key: ApiKeyStore.ApiKey) => ({
  hash: key.hash,
  teamspace: key.teamspace,
  scopes: [...key.scopes],
  label: key.label,
  createdAt: key.createdAt,
  session: key.session === null
    ? null
    : { expiresAt: key.session.expiresAt, readOnly: key.session.readOnly, profile: key.session.profile }
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

    test("a live session is found by hash and by id, with its session, but never listed", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const key = Fixtures.apiKey({ teamspace })
        const session = Fixtures.sessionKey({ teamspace, expiresAt: (yield* Clock.currentTimeMillis) + 60_000 })
        const readOnly = Fixtures.sessionKey({ teamspace, readOnly: true })
        yield* store.insert(key)
        yield* store.insert(session)
        yield* store.insert(readOnly)
        expect(Option.map(yield* store.findByHash(session.hash), snapshot)).toEqual(Option.some(snapshot(session)))
        expect(Option.map(yield* store.findByHash(readOnly.hash), snapshot)).toEqual(Option.some(snapshot(readOnly)))
        expect(Option.map(yield* store.findById(session.id), snapshot)).toEqual(Option.some(snapshot(session)))
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(key)])
        // A teamspace with sessions only lists nothing.
        const other = Fixtures.teamspace()
        yield* store.insert(Fixtures.sessionKey({ teamspace: other }))
        expect(yield* store.list(other)).toEqual([])
      }))

    test("a session inserted with its expiry past is found neither by hash nor by id", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const now = yield* Clock.currentTimeMillis
        const expired = Fixtures.sessionKey({ teamspace, expiresAt: now - 1_000 })
        const endingNow = Fixtures.sessionKey({ teamspace, expiresAt: now })
        yield* store.insert(expired)
        yield* store.insert(endingNow)
        for (const key of [expired, endingNow]) {
          expect(Option.isNone(yield* store.findByHash(key.hash))).toBe(true)
          expect(Option.isNone(yield* store.findById(key.id))).toBe(true)
        }
        expect(yield* store.list(teamspace)).toEqual([])
      }))

    test("a session is found until its expiry, and not after", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const session = Fixtures.sessionKey({ teamspace, expiresAt: (yield* Clock.currentTimeMillis) + 400 })
        yield* store.insert(session)
        expect(Option.isSome(yield* store.findByHash(session.hash))).toBe(true)
        yield* Effect.sleep("600 millis")
        expect(Option.isNone(yield* store.findByHash(session.hash))).toBe(true)
        expect(Option.isNone(yield* store.findById(session.id))).toBe(true)
        expect(yield* store.remove(session.hash)).toBe(false)
      }))

    test("remove of a live session returns true once, and it is found no more", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const session = Fixtures.sessionKey({ teamspace })
        const kept = Fixtures.sessionKey({ teamspace })
        yield* store.insert(session)
        yield* store.insert(kept)
        expect(yield* store.remove(session.hash)).toBe(true)
        expect(yield* store.remove(session.hash)).toBe(false)
        expect(Option.isNone(yield* store.findByHash(session.hash))).toBe(true)
        expect(Option.isNone(yield* store.findById(session.id))).toBe(true)
        expect(Option.isSome(yield* store.findByHash(kept.hash))).toBe(true)
        expect(Option.isSome(yield* store.findById(kept.id))).toBe(true)
      }))

    test("a key inserted again as a session leaves the listing; a session inserted again as a key stays", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const key = Fixtures.apiKey({ teamspace })
        yield* store.insert(key)
        const asSession = new ApiKeyStore.ApiKey({
          ...key,
          session: Fixtures.sessionKey({ teamspace }).session
        })
        yield* store.insert(asSession)
        expect(yield* store.list(teamspace)).toEqual([])
        expect(Option.map(yield* store.findByHash(key.hash), snapshot)).toEqual(Option.some(snapshot(asSession)))

        const ending = Fixtures.sessionKey({ teamspace, expiresAt: (yield* Clock.currentTimeMillis) + 300 })
        yield* store.insert(ending)
        const asKey = new ApiKeyStore.ApiKey({ ...ending, session: null })
        yield* store.insert(asKey)
        // Past the session's expiry, the key it became is still there: it does not end.
        yield* Effect.sleep("500 millis")
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(asKey)])
        expect(Option.map(yield* store.findByHash(asKey.hash), snapshot)).toEqual(Option.some(snapshot(asKey)))
        expect(Option.map(yield* store.findById(asKey.id), snapshot)).toEqual(Option.some(snapshot(asKey)))
      }))
  })
