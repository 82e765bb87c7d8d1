/**
 * Conformance suite for `EventTypeStore` adapters: a teamspace's own event type
 * definitions, by profile and name. Port-only, fresh layer per test, random
 * teamspaces (see `SubscriptionStoreSuite`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { EventTypeStore } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

/** Every field a store must keep, as a plain object, so `toEqual` compares values. */
const snapshot = (definition: EventTypeStore.EventTypeDefinition) => ({
  teamspace: definition.teamspace,
  profile: definition.profile,
  name: definition.name,
  description: definition.description,
  schema: definition.schema,
  example: definition.example,
  archived: definition.archived,
  createdAt: definition.createdAt,
  updatedAt: definition.updatedAt
})

/**
 * JSON text a store must give back byte for byte: odd spacing, keys out of order and repeated,
 * escapes, a `1.0` and non-ASCII text (a jsonb column or a parse and reformat would change each).
 */
const schemaText = `{ "type" : "object",\n  "required": ["z", "a"], "properties": {"z": {"type": "number"}, "a": {}}, "a": 1, "a": 2 }`
const exampleText = `{"z":1.0,"a":"caf\\u00e9 — ünïcödé 🚀","nested":{"b":[ ],"a":null}}`

type Store = EventTypeStore.EventTypeStoreShape

/**
 * Registers the `EventTypeStore` conformance tests under `name` (vitest `describe`), each on a
 * fresh build of `layer`, the adapter under test. Run it from a one-line test file in each adapter
 * package; a failing test names the behaviour the adapter breaks.
 */
export const suite = (name: string, layer: Layer.Layer<EventTypeStore.EventTypeStore, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: (store: Store) => Effect.Effect<A, E>) =>
      it.live(title, () => Effect.provide(Effect.flatMap(EventTypeStore.EventTypeStore, body), layer))

    test("a teamspace with no definitions lists none", (store) =>
      Effect.gen(function*() {
        expect(yield* store.list(Fixtures.teamspace())).toEqual([])
      }))

    test("insert returns true, then list returns the definition with every field as given", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const definition = Fixtures.eventTypeDefinition({
          teamspace,
          description: "Ünïcödé ✓ — 発注が完了しました 🚀, \"quoted\", a\\b, line\nbreak",
          schema: schemaText,
          example: exampleText,
          archived: true,
          createdAt: Fixtures.baseTime + 1_000,
          updatedAt: Fixtures.baseTime + 2_000
        })
        expect(yield* store.insert(definition)).toBe(true)
        const listed = yield* store.list(teamspace)
        expect(listed.map(snapshot)).toEqual([snapshot(definition)])
        // Byte for byte, not merely the same JSON value.
        expect(listed[0]!.schema).toBe(schemaText)
        expect(listed[0]!.example).toBe(exampleText)
      }))

    test("insert of a profile and name the teamspace has returns false and keeps the first", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const first = Fixtures.eventTypeDefinition({ teamspace, description: "first" })
        const second = Fixtures.eventTypeDefinition({
          teamspace,
          description: "second",
          schema: schemaText,
          archived: true,
          createdAt: Fixtures.baseTime + 5_000
        })
        expect(yield* store.insert(first)).toBe(true)
        expect(yield* store.insert(second)).toBe(false)
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(first)])
      }))

    test("the same name in two profiles is two definitions", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const inFixture = Fixtures.eventTypeDefinition({ teamspace, description: "fixture's" })
        const inOther = Fixtures.eventTypeDefinition({ teamspace, profile: "other", description: "other's" })
        expect(yield* store.insert(inFixture)).toBe(true)
        expect(yield* store.insert(inOther)).toBe(true)
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(inFixture), snapshot(inOther)])
        const updated = Fixtures.eventTypeDefinition({ teamspace, profile: "other", description: "changed", archived: true })
        expect(yield* store.update(updated, inOther)).toBe(true)
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(inFixture), snapshot(updated)])
      }))

    test("update with the definition as stored replaces it and returns true", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const original = Fixtures.eventTypeDefinition({ teamspace, schema: schemaText, example: exampleText })
        const other = Fixtures.eventTypeDefinition({ teamspace, name: Fixtures.typeB })
        yield* store.insert(original)
        yield* store.insert(other)
        const updated = Fixtures.eventTypeDefinition({
          teamspace,
          description: "archived — ✓",
          schema: null,
          example: `{"b": 2, "a": 1}`,
          archived: true,
          updatedAt: Fixtures.baseTime + 60_000
        })
        expect(yield* store.update(updated, original)).toBe(true)
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(updated), snapshot(other)])
        // Again, from what it now holds, to the same record: still true.
        expect(yield* store.update(updated, updated)).toBe(true)
        // From the definition as list read it, which is what callers pass.
        const [read] = yield* store.list(teamspace)
        const again = Fixtures.eventTypeDefinition({ teamspace, description: "again", updatedAt: Fixtures.baseTime + 90_000 })
        expect(yield* store.update(again, read!)).toBe(true)
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(again), snapshot(other)])
        // Byte for byte through the compare as well.
        const withText = Fixtures.eventTypeDefinition({ teamspace, schema: schemaText, example: exampleText })
        expect(yield* store.update(withText, again)).toBe(true)
        const [readWithText] = yield* store.list(teamspace)
        expect(yield* store.update(again, readWithText!)).toBe(true)
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(again), snapshot(other)])
      }))

    test("update from a stale definition returns false and keeps the update that came between", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const original = Fixtures.eventTypeDefinition({ teamspace, description: "original" })
        yield* store.insert(original)
        // Two writers read `original`; the first archives it, the second, later, edits its description.
        const archived = Fixtures.eventTypeDefinition({
          teamspace,
          description: "original",
          archived: true,
          updatedAt: Fixtures.baseTime + 1_000
        })
        const edited = Fixtures.eventTypeDefinition({
          teamspace,
          description: "edited",
          updatedAt: Fixtures.baseTime + 2_000
        })
        expect(yield* store.update(archived, original)).toBe(true)
        expect(yield* store.update(edited, original)).toBe(false)
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(archived)])
        // A previous differing in a single field is stale too.
        const almost = Fixtures.eventTypeDefinition({
          teamspace,
          description: "original",
          archived: true,
          updatedAt: Fixtures.baseTime + 1_001
        })
        expect(yield* store.update(edited, almost)).toBe(false)
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(archived)])
        // Read again, the second writer's update goes through.
        expect(yield* store.update(edited, archived)).toBe(true)
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(edited)])
      }))

    test("update of a definition the teamspace lacks returns false and stores nothing", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        const absent = Fixtures.eventTypeDefinition({ teamspace })
        expect(yield* store.update(absent, absent)).toBe(false)
        expect(yield* store.list(teamspace)).toEqual([])
        const kept = Fixtures.eventTypeDefinition({ teamspace, name: Fixtures.typeB })
        yield* store.insert(kept)
        expect(yield* store.update(absent, absent)).toBe(false)
        const otherProfile = Fixtures.eventTypeDefinition({ teamspace, profile: "other", name: Fixtures.typeB })
        expect(yield* store.update(otherProfile, otherProfile)).toBe(false)
        // The previous names the same type as the one stored, but the update names another: still false.
        expect(yield* store.update(otherProfile, kept)).toBe(false)
        expect((yield* store.list(teamspace)).map(snapshot)).toEqual([snapshot(kept)])
        // Nothing was stored: an insert of the name the updates named is still new.
        expect(yield* store.insert(Fixtures.eventTypeDefinition({ teamspace }))).toBe(true)
      }))

    test("list is sorted by profile, then by name, bytewise", (store) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        // Bytewise, "." < "2" < "_" < "a"; a locale's collation, ignoring punctuation, would differ.
        const expected = [
          ["alpha", "invoice.paid"],
          ["alpha", "invoice2"],
          ["alpha", "invoice_created"],
          ["alpha", "invoiceb"],
          ["beta", "a.z"],
          ["beta", "b"],
          ["beta2", "a"],
          ["beta_2", "a"],
          ["betab", "a"]
        ] as const
        const definitions = expected.map(([profile, name]) =>
          Fixtures.eventTypeDefinition({ teamspace, profile, name, description: `${profile} ${name}` })
        )
        // Inserted in a shuffled order.
        for (const index of [4, 8, 0, 6, 2, 7, 1, 5, 3]) expect(yield* store.insert(definitions[index]!)).toBe(true)
        const listed = yield* store.list(teamspace)
        expect(listed.map((definition) => [definition.profile, definition.name])).toEqual(expected)
        expect(listed.map(snapshot)).toEqual(definitions.map(snapshot))
      }))

    test("teamspaces are isolated", (store) =>
      Effect.gen(function*() {
        const first = Fixtures.teamspace()
        const second = Fixtures.teamspace()
        const mine = Fixtures.eventTypeDefinition({ teamspace: first, description: "first's" })
        const theirs = Fixtures.eventTypeDefinition({ teamspace: second, description: "second's" })
        expect(yield* store.insert(mine)).toBe(true)
        // The same profile and name in another teamspace is new there.
        expect(yield* store.insert(theirs)).toBe(true)
        const extra = Fixtures.eventTypeDefinition({ teamspace: first, name: Fixtures.typeC })
        expect(yield* store.insert(extra)).toBe(true)
        const updated = Fixtures.eventTypeDefinition({ teamspace: second, description: "second's, updated" })
        expect(yield* store.update(updated, theirs)).toBe(true)
        // An update names its teamspace: one of a teamspace lacking the name finds nothing.
        const lacking = Fixtures.eventTypeDefinition({ teamspace: second, name: Fixtures.typeC })
        expect(yield* store.update(lacking, lacking)).toBe(false)
        expect((yield* store.list(first)).map(snapshot)).toEqual([snapshot(mine), snapshot(extra)])
        expect((yield* store.list(second)).map(snapshot)).toEqual([snapshot(updated)])
        expect(yield* store.list(Fixtures.teamspace())).toEqual([])
      }))
  })
