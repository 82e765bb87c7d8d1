/**
 * Conformance suite for `SubscriptionStore` adapters. Written against the port
 * only; each test gets a fresh layer build and its own teamspaces, so it also
 * runs against a shared Redis. Tests use the live clock (`it.live`): an adapter
 * over a real connection must not depend on a TestClock that never moves.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option, Redacted } from "effect"
import { type Ids, SubscriptionStore, type Webhook } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

/** The ids of webhooks or fan-out targets, in order. */
const ids = (found: ReadonlyArray<{ readonly id: Ids.WebhookId }>) => found.map((item) => item.id)
const sortedIds = (webhooks: ReadonlyArray<Webhook.Webhook>) => ids(webhooks).sort()
/** A fan-out target as a plain object, from a webhook or a target. */
const target = (webhook: SubscriptionStore.FanOutTarget): SubscriptionStore.FanOutTarget => ({
  id: webhook.id,
  ordered: webhook.ordered
})

/** Everything a store must keep, secrets unwrapped, so `toEqual` compares values not wrappers. */
const snapshot = (webhook: Webhook.Webhook) => ({
  id: webhook.id,
  teamspace: webhook.teamspace,
  profile: webhook.profile,
  url: webhook.url,
  events: [...webhook.events],
  enabled: webhook.enabled,
  disabledReason: webhook.disabledReason,
  metadata: { ...webhook.metadata },
  secrets: webhook.secrets.map((secret) => ({
    key: Redacted.value(secret.key),
    createdAt: secret.createdAt,
    expiresAt: secret.expiresAt
  })),
  createdAt: webhook.createdAt,
  updatedAt: webhook.updatedAt
})

/** Seven webhooks with increasing ids, inserted out of order. */
const seven = (teamspace: Ids.TeamspaceId) =>
  Effect.gen(function*() {
    const store = yield* SubscriptionStore.SubscriptionStore
    const hooks = Array.from({ length: 7 }, (_, i) => Fixtures.webhook({ teamspace, time: Fixtures.baseTime + i * 1000 }))
    for (const i of [3, 0, 6, 1, 5, 2, 4]) yield* store.insert(hooks[i]!)
    return hooks
  })

/**
 * Registers the `SubscriptionStore` conformance tests under `name` (vitest `describe`), each on a
 * fresh build of `layer`, the adapter under test. Run it from a one-line test file in each adapter
 * package; a failing test names the behaviour the adapter breaks.
 */
export const suite = (name: string, layer: Layer.Layer<SubscriptionStore.SubscriptionStore, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: Effect.Effect<A, E, SubscriptionStore.SubscriptionStore>) =>
      it.live(title, () => Effect.provide(body, layer))

    test(
      "insert then get returns every field, secrets and metadata included",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        const hook = Fixtures.webhook({
          teamspace,
          profile: "exa",
          url: "https://hooks.example.com/a?x=1",
          events: [Fixtures.typeA, Fixtures.typeC],
          enabled: false,
          disabledReason: "too many failures",
          metadata: { team: "data", "with space": "ünïcödé ✓" },
          secrets: [
            Fixtures.secret("whsec_old", { createdAt: Fixtures.baseTime, expiresAt: Fixtures.baseTime + 86_400_000 }),
            Fixtures.secret("whsec_new", { createdAt: Fixtures.baseTime + 1 })
          ]
        })
        yield* store.insert(hook)
        const got = yield* store.get(teamspace, hook.id)
        expect(Option.isSome(got)).toBe(true)
        const stored = Option.getOrThrow(got)
        expect(snapshot(stored)).toEqual(snapshot(hook))
        // A real Webhook comes back (its methods work), with Redacted secrets.
        expect(stored.subscribesTo(Fixtures.typeC)).toBe(true)
        expect(Redacted.isRedacted(stored.secrets[0].key)).toBe(true)
      })
    )

    test(
      "get of an unknown id is None",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const got = yield* store.get(Fixtures.teamspace(), Fixtures.webhook({ teamspace: Fixtures.teamspace() }).id)
        expect(Option.isNone(got)).toBe(true)
      })
    )

    test(
      "another teamspace never sees, changes or removes a webhook",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const owner = Fixtures.teamspace("owner")
        const other = Fixtures.teamspace("other")
        const hook = Fixtures.webhook({ teamspace: owner, url: "https://example.com/original" })
        yield* store.insert(hook)

        expect(Option.isNone(yield* store.get(other, hook.id))).toBe(true)
        const hijack = Fixtures.withChanges(hook, { teamspace: other, url: "https://evil.example.com/" })
        expect(yield* store.update(hijack)).toBe(false)
        expect(yield* store.remove(other, hook.id)).toBe(false)
        expect(yield* store.list(other, { limit: 10, order: "asc" })).toEqual([])
        expect(yield* store.count(other)).toBe(0)
        expect(yield* store.active(other, Fixtures.typeA)).toEqual([])
        // And the failed update wrote nothing under the other teamspace either.
        expect(Option.isNone(yield* store.get(other, hook.id))).toBe(true)

        const kept = yield* store.get(owner, hook.id)
        expect(Option.map(kept, (webhook) => webhook.url)).toEqual(Option.some("https://example.com/original"))
        expect(ids(yield* store.active(owner, Fixtures.typeA))).toEqual([hook.id])
      })
    )

    test(
      "update replaces a stored webhook and returns true",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        const hook = Fixtures.webhook({ teamspace })
        yield* store.insert(hook)
        const changed = Fixtures.withChanges(hook, {
          url: "https://example.com/changed",
          metadata: { k: "v" },
          events: [Fixtures.typeB],
          updatedAt: hook.updatedAt + 5
        })
        expect(yield* store.update(changed)).toBe(true)
        const got = Option.getOrThrow(yield* store.get(teamspace, hook.id))
        expect(snapshot(got)).toEqual(snapshot(changed))
        expect(yield* store.count(teamspace)).toBe(1)
      })
    )

    test(
      "update of a removed or never stored webhook returns false and writes nothing",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        const hook = Fixtures.webhook({ teamspace })
        expect(yield* store.update(hook)).toBe(false)
        expect(Option.isNone(yield* store.get(teamspace, hook.id))).toBe(true)

        yield* store.insert(hook)
        expect(yield* store.remove(teamspace, hook.id)).toBe(true)
        expect(yield* store.update(Fixtures.withChanges(hook, { url: "https://example.com/zombie" }))).toBe(false)
        expect(Option.isNone(yield* store.get(teamspace, hook.id))).toBe(true)
        expect(yield* store.count(teamspace)).toBe(0)
        expect(yield* store.list(teamspace, { limit: 10, order: "asc" })).toEqual([])
        expect(yield* store.active(teamspace, Fixtures.typeA)).toEqual([])
      })
    )

    test(
      "remove returns true once, then false",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        const keep = Fixtures.webhook({ teamspace, time: Fixtures.baseTime })
        const hook = Fixtures.webhook({ teamspace, time: Fixtures.baseTime + 1 })
        yield* store.insert(keep)
        yield* store.insert(hook)
        expect(yield* store.remove(teamspace, hook.id)).toBe(true)
        expect(yield* store.remove(teamspace, hook.id)).toBe(false)
        expect(Option.isNone(yield* store.get(teamspace, hook.id))).toBe(true)
        expect(ids(yield* store.list(teamspace, { limit: 10, order: "asc" }))).toEqual([keep.id])
        expect(yield* store.count(teamspace)).toBe(1)
      })
    )

    test(
      "list pages ascending with after, in id order whatever the insertion order",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        const hooks = yield* seven(teamspace)
        const all = ids(hooks)

        const page1 = yield* store.list(teamspace, { limit: 3, order: "asc" })
        expect(ids(page1)).toEqual(all.slice(0, 3))
        const page2 = yield* store.list(teamspace, { limit: 3, order: "asc", after: page1[2]!.id })
        expect(ids(page2)).toEqual(all.slice(3, 6))
        const page3 = yield* store.list(teamspace, { limit: 3, order: "asc", after: page2[2]!.id })
        expect(ids(page3)).toEqual(all.slice(6))
        expect(yield* store.list(teamspace, { limit: 3, order: "asc", after: page3[0]!.id })).toEqual([])
        // Full webhooks come back, not just ids.
        expect(snapshot(page2[0]!)).toEqual(snapshot(hooks[3]!))
      })
    )

    test(
      "list pages descending with before",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        const all = ids(yield* seven(teamspace))
        const reversed = [...all].reverse()

        const page1 = yield* store.list(teamspace, { limit: 3, order: "desc" })
        expect(ids(page1)).toEqual(reversed.slice(0, 3))
        const page2 = yield* store.list(teamspace, { limit: 3, order: "desc", before: page1[2]!.id })
        expect(ids(page2)).toEqual(reversed.slice(3, 6))
        const page3 = yield* store.list(teamspace, { limit: 3, order: "desc", before: page2[2]!.id })
        expect(ids(page3)).toEqual(reversed.slice(6))
        expect(yield* store.list(teamspace, { limit: 3, order: "desc", before: all[0]! })).toEqual([])
      })
    )

    test(
      "list bounds are exclusive, limit is exact, and the page starts at the bound it travels from",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        const all = ids(yield* seven(teamspace))
        const list = (query: SubscriptionStore.PageQuery) => Effect.map(store.list(teamspace, query), ids)

        // Both bounds: the ids strictly between them.
        expect(yield* list({ limit: 10, order: "asc", after: all[1]!, before: all[5]! })).toEqual(all.slice(2, 5))
        expect(yield* list({ limit: 10, order: "desc", after: all[1]!, before: all[5]! })).toEqual(
          all.slice(2, 5).reverse()
        )
        expect(yield* list({ limit: 2, order: "asc", after: all[1]!, before: all[5]! })).toEqual(all.slice(2, 4))
        expect(yield* list({ limit: 2, order: "desc", after: all[1]!, before: all[5]! })).toEqual([all[4], all[3]])
        // One bound against the direction of travel: the page starts at the far end.
        expect(yield* list({ limit: 2, order: "desc", after: all[1]! })).toEqual([all[6], all[5]])
        expect(yield* list({ limit: 2, order: "asc", before: all[5]! })).toEqual(all.slice(0, 2))
        // limit + 1 (how the service learns hasMore) returns what exists and no more.
        expect(yield* list({ limit: 8, order: "asc" })).toEqual(all)
        expect(yield* list({ limit: 7, order: "asc" })).toEqual(all)
        expect(yield* list({ limit: 6, order: "desc" })).toEqual([...all].reverse().slice(0, 6))
        expect(yield* list({ limit: 1, order: "asc" })).toEqual([all[0]])
        // Nothing strictly between two neighbours.
        expect(yield* list({ limit: 5, order: "asc", after: all[2]!, before: all[3]! })).toEqual([])
        // An empty teamspace.
        expect(yield* store.list(Fixtures.teamspace(), { limit: 5, order: "desc" })).toEqual([])
      })
    )

    test(
      "count follows inserts and removals, per teamspace",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        const other = Fixtures.teamspace()
        expect(yield* store.count(teamspace)).toBe(0)
        const hooks = yield* seven(teamspace)
        yield* store.insert(Fixtures.webhook({ teamspace: other }))
        expect(yield* store.count(teamspace)).toBe(7)
        yield* store.remove(teamspace, hooks[0]!.id)
        yield* store.update(Fixtures.withChanges(hooks[1]!, { enabled: false }))
        expect(yield* store.count(teamspace)).toBe(6)
        expect(yield* store.count(other)).toBe(1)
      })
    )

    test(
      "activePage walks the fan-out set in id order, limit at a time, strictly after the cursor, with `ordered`",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        let time = Fixtures.baseTime
        const make = (options: Omit<Fixtures.WebhookOptions, "time">) => Fixtures.webhook({ ...options, time: time++ })
        const matching = Array.from({ length: 7 }, (_, i) => {
          const hook = make({ teamspace, events: [Fixtures.typeA] })
          return i % 3 === 1 ? Fixtures.withChanges(hook, { ordered: true }) : hook
        })
        const disabled = make({ teamspace, events: [Fixtures.typeA], enabled: false })
        const otherType = make({ teamspace, events: [Fixtures.typeB] })
        // Inserted out of order: the page order must come from the ids, not insertion.
        for (const hook of [...matching].reverse()) yield* store.insert(hook)
        yield* store.insert(disabled)
        yield* store.insert(otherType)

        const walked: Array<SubscriptionStore.FanOutTarget> = []
        let after: Ids.WebhookId | undefined
        for (let pages = 0; pages < 10; pages++) {
          const page = yield* store.activePage(teamspace, Fixtures.typeA, { after, limit: 3 })
          expect(page.length).toBeLessThanOrEqual(3)
          walked.push(...page)
          if (page.length < 3) break
          after = page.at(-1)!.id
        }
        expect(walked.map(target)).toEqual(matching.map(target))
        expect(yield* store.activePage(teamspace, Fixtures.typeA, { after: matching.at(-1)!.id, limit: 3 })).toEqual([])
        expect(ids(yield* store.activePage(teamspace, Fixtures.typeA, { after: matching[1]!.id, limit: 2 }))).toEqual(
          ids(matching.slice(2, 4))
        )
        expect(yield* store.activePage(Fixtures.teamspace(), Fixtures.typeA, { limit: 3 })).toEqual([])
      })
    )

    test(
      "activePage follows updates of `ordered` and `enabled`, and removals",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        let time = Fixtures.baseTime
        const [a, b, c] = Array.from({ length: 3 }, () => Fixtures.webhook({ teamspace, time: time++, events: [Fixtures.typeA] }))
        for (const hook of [a!, b!, c!]) yield* store.insert(hook)
        const page = () => Effect.map(store.activePage(teamspace, Fixtures.typeA, { limit: 10 }), (all) => all.map(target))
        expect(yield* page()).toEqual([a!, b!, c!].map(target))

        yield* store.update(Fixtures.withChanges(a!, { ordered: true }))
        yield* store.update(Fixtures.withChanges(b!, { enabled: false }))
        expect(yield* page()).toEqual([{ id: a!.id, ordered: true }, { id: c!.id, ordered: false }])

        yield* store.update(Fixtures.withChanges(a!, { ordered: false }))
        yield* store.update(Fixtures.withChanges(b!, { ordered: true, enabled: false }))
        yield* store.remove(teamspace, c!.id)
        expect(yield* page()).toEqual([{ id: a!.id, ordered: false }])
        // Enabled again, b is back, and still ordered.
        yield* store.update(Fixtures.withChanges(b!, { ordered: true, enabled: true }))
        expect(yield* page()).toEqual([{ id: a!.id, ordered: false }, { id: b!.id, ordered: true }])
      })
    )

    test(
      "active returns the enabled webhooks of the teamspace subscribed to the type",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        const other = Fixtures.teamspace()
        let time = Fixtures.baseTime
        const make = (options: Omit<Fixtures.WebhookOptions, "time">) => Fixtures.webhook({ ...options, time: time++ })
        const a = make({ teamspace, events: [Fixtures.typeA] })
        const ab = make({ teamspace, events: [Fixtures.typeB, Fixtures.typeA] })
        const disabled = make({ teamspace, events: [Fixtures.typeA, Fixtures.typeB], enabled: false })
        const b = make({ teamspace, events: [Fixtures.typeB] })
        const elsewhere = make({ teamspace: other, events: [Fixtures.typeA, Fixtures.typeB] })
        for (const hook of [a, ab, disabled, b, elsewhere]) yield* store.insert(hook)

        expect(sortedIds(yield* store.active(teamspace, Fixtures.typeA))).toEqual([a.id, ab.id].sort())
        expect(sortedIds(yield* store.active(teamspace, Fixtures.typeB))).toEqual([ab.id, b.id].sort())
        expect(yield* store.active(teamspace, Fixtures.typeC)).toEqual([])
        expect(ids(yield* store.active(other, Fixtures.typeA))).toEqual([elsewhere.id])
        // Full webhooks come back (the fan-out needs no second read).
        const found = (yield* store.active(teamspace, Fixtures.typeA)).find((hook) => hook.id === ab.id)
        expect(found === undefined ? undefined : snapshot(found)).toEqual(snapshot(ab))
      })
    )

    test(
      "active follows updates: events changed, disabled, re-enabled, removed",
      Effect.gen(function*() {
        const store = yield* SubscriptionStore.SubscriptionStore
        const teamspace = Fixtures.teamspace()
        const hook = Fixtures.webhook({ teamspace, events: [Fixtures.typeA], time: Fixtures.baseTime })
        const bystander = Fixtures.webhook({ teamspace, events: [Fixtures.typeA], time: Fixtures.baseTime + 1 })
        yield* store.insert(hook)
        yield* store.insert(bystander)
        const active = (type: string) => Effect.map(store.active(teamspace, type), sortedIds)

        const moved = Fixtures.withChanges(hook, { events: [Fixtures.typeB] })
        yield* store.update(moved)
        expect(yield* active(Fixtures.typeA)).toEqual([bystander.id])
        expect(yield* active(Fixtures.typeB)).toEqual([hook.id])

        const disabled = Fixtures.withChanges(moved, { enabled: false, disabledReason: "failing" })
        yield* store.update(disabled)
        expect(yield* active(Fixtures.typeB)).toEqual([])

        const both = Fixtures.withChanges(disabled, { enabled: true, disabledReason: null, events: [Fixtures.typeA, Fixtures.typeB] })
        yield* store.update(both)
        expect(yield* active(Fixtures.typeA)).toEqual([hook.id, bystander.id].sort())
        expect(yield* active(Fixtures.typeB)).toEqual([hook.id])

        yield* store.remove(teamspace, hook.id)
        expect(yield* active(Fixtures.typeA)).toEqual([bystander.id])
        expect(yield* active(Fixtures.typeB)).toEqual([])

        // A failed update (webhook gone) must not resurrect it in the index.
        yield* store.update(both)
        expect(yield* active(Fixtures.typeB)).toEqual([])
      })
    )
  })
