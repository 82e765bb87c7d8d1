// What the conformance suite leaves to the adapter: the fan-out index keeps
// `active` to the subscribers of one type, and the index survives racing writes.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { type EventType, type Ids, SecretCipher, SubscriptionStore } from "@herald/core"
import { RedisClient, RedisSubscriptionStore } from "@herald/redis"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useRedis } from "./RedisTestServer.js"

describe.skipIf(!available)(`RedisSubscriptionStore ${skipReason}`, () => {
  const { client } = useRedis()
  const layer = Layer.provideMerge(RedisSubscriptionStore.layer, client)

  it.live("active returns only the few subscribers of a type among 1,000 webhooks on other types", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      let time = Fixtures.baseTime
      const others = Array.from({ length: 1_000 }, (_, n) =>
        Fixtures.webhook({ teamspace, time: time++, events: [n % 2 === 0 ? Fixtures.typeB : "other.type"] }))
      const subscribers = Array.from({ length: 3 }, () =>
        Fixtures.webhook({ teamspace, time: time++, events: [Fixtures.typeC, Fixtures.typeB] }))
      yield* Effect.forEach([...others, ...subscribers], store.insert, { concurrency: 50, discard: true })

      const found = yield* store.active(teamspace, Fixtures.typeC)
      expect(found.map((hook) => hook.id)).toEqual(subscribers.map((hook) => hook.id))
      expect(yield* store.count(teamspace)).toBe(1_003)
      // The index for the type holds exactly its subscribers: the read touches nothing else.
      const members = yield* Effect.promise(() =>
        redis.zrangebylex(`${prefix}wh-active:${teamspace}`, `[${Fixtures.typeC}:`, `(${Fixtures.typeC};`)
      )
      expect(members).toHaveLength(3)
      // A type that is a prefix of another (`a.b` vs `a.b.c`) does not match it.
      expect(yield* store.active(teamspace, "batch_prediction")).toEqual([])
    }).pipe(Effect.provide(layer)))

  it.live("concurrent updates and a remove leave the index consistent with the record", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const teamspace = Fixtures.teamspace()
      const hook = Fixtures.webhook({ teamspace, events: [Fixtures.typeA] })
      yield* store.insert(hook)
      const eventSets: ReadonlyArray<readonly [EventType.EventType, ...Array<EventType.EventType>]> = [
        [Fixtures.typeA],
        [Fixtures.typeB],
        [Fixtures.typeC, Fixtures.typeA]
      ]
      const variants = Array.from({ length: 30 }, (_, n) =>
        Fixtures.withChanges(hook, {
          events: eventSets[n % 3]!,
          enabled: n % 4 !== 0,
          updatedAt: hook.updatedAt + n
        }))
      yield* Effect.forEach(variants, store.update, { concurrency: "unbounded", discard: true })

      const stored = Option.getOrThrow(yield* store.get(teamspace, hook.id))
      for (const type of [Fixtures.typeA, Fixtures.typeB, Fixtures.typeC]) {
        const expected = stored.enabled && stored.subscribesTo(type) ? [hook.id] : []
        expect((yield* store.active(teamspace, type)).map((found) => found.id)).toEqual(expected)
      }

      yield* Effect.all([store.remove(teamspace, hook.id), ...variants.map(store.update)], { concurrency: "unbounded" })
      expect(Option.isNone(yield* store.get(teamspace, hook.id))).toBe(true)
      for (const type of [Fixtures.typeA, Fixtures.typeB, Fixtures.typeC]) {
        expect(yield* store.active(teamspace, type)).toEqual([])
      }
      expect(yield* store.count(teamspace)).toBe(0)
    }).pipe(Effect.provide(layer)))

  it.live("a record cjson cannot decode (a lone surrogate, stored before Herald refused them) can still be updated and removed", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const teamspace = Fixtures.teamspace()
      // The API and the core services refuse such text now; records written before remain.
      const poisoned = Fixtures.webhook({ teamspace, events: [Fixtures.typeA, Fixtures.typeB], metadata: { k: "a\ud800" } })
      const neighbour = Fixtures.webhook({ teamspace, time: poisoned.createdAt + 1, events: [Fixtures.typeA] })
      yield* store.insert(poisoned)
      yield* store.insert(neighbour)

      // Rewritten as given (a PATCH of other fields keeps the old metadata): it must not strand its index entries.
      expect(yield* store.update(Fixtures.withChanges(poisoned, { events: [Fixtures.typeC], updatedAt: poisoned.updatedAt + 1 })))
        .toBe(true)
      expect((yield* store.active(teamspace, Fixtures.typeA)).map((hook) => hook.id)).toEqual([neighbour.id])
      expect((yield* store.active(teamspace, Fixtures.typeC)).map((hook) => hook.id)).toEqual([poisoned.id])
      expect(yield* store.update(Fixtures.withChanges(poisoned, { enabled: false, updatedAt: poisoned.updatedAt + 2 })))
        .toBe(true)
      expect(yield* store.active(teamspace, Fixtures.typeC)).toEqual([])

      yield* store.update(Fixtures.withChanges(poisoned, { enabled: true, updatedAt: poisoned.updatedAt + 3 }))
      expect(yield* store.remove(teamspace, poisoned.id)).toBe(true)
      expect(Option.isNone(yield* store.get(teamspace, poisoned.id))).toBe(true)
      expect(yield* store.active(teamspace, Fixtures.typeC)).toEqual([])
      expect((yield* store.active(teamspace, Fixtures.typeA)).map((hook) => hook.id)).toEqual([neighbour.id])
      expect(yield* store.count(teamspace)).toBe(1)
    }).pipe(Effect.provide(layer)))

  it.live("activePage reads no record: ids and `ordered` come from the indexes", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      let time = Fixtures.baseTime
      const plain = Fixtures.webhook({ teamspace, time: time++ })
      const ordered = Fixtures.withChanges(Fixtures.webhook({ teamspace, time: time++ }), { ordered: true })
      yield* Effect.forEach([plain, ordered], store.insert, { discard: true })
      // Records a decode would reject: a page that read them would fail.
      for (const hook of [plain, ordered]) {
        yield* Effect.promise(() => redis.set(`${prefix}wh:${teamspace}:${hook.id}`, "not json"))
      }
      expect(yield* store.activePage(teamspace, Fixtures.typeA, { limit: 10 })).toEqual([
        { id: plain.id, ordered: false },
        { id: ordered.id, ordered: true }
      ])
    }).pipe(Effect.provide(layer)))

  it.live("webhooks stored before the ordered index existed are indexed by the first fan-out page", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      const orderedKey = `${prefix}wh-ordered:${teamspace}`
      let time = Fixtures.baseTime
      // More than one indexing batch, every third one ordered.
      const hooks = Array.from({ length: 1_203 }, (_, n) => {
        const hook = Fixtures.webhook({ teamspace, time: time++ })
        return n % 3 === 0 ? Fixtures.withChanges(hook, { ordered: true }) : hook
      })
      yield* Effect.forEach(hooks, store.insert, { concurrency: 50, discard: true })
      // As an earlier version left them: records and fan-out index, no ordered set.
      yield* Effect.promise(() => redis.del(orderedKey))

      const walked: Array<SubscriptionStore.FanOutTarget> = []
      let after: Ids.WebhookId | undefined
      while (true) {
        const page = yield* store.activePage(teamspace, Fixtures.typeA, { after, limit: 500 })
        walked.push(...page)
        if (page.length < 500) break
        after = page.at(-1)!.id
      }
      expect(walked).toEqual(hooks.map((hook) => ({ id: hook.id, ordered: hook.ordered })))
      expect(yield* Effect.promise(() => redis.scard(orderedKey))).toBe(401 + 1)
      // A page larger than the script's SMISMEMBER batch.
      expect(yield* store.activePage(teamspace, Fixtures.typeA, { limit: 5_000 })).toEqual(walked)
      // Written after indexing: kept up to date by the writes themselves.
      yield* store.update(Fixtures.withChanges(hooks[0]!, { ordered: false }))
      yield* store.update(Fixtures.withChanges(hooks[1]!, { ordered: true }))
      expect(yield* store.activePage(teamspace, Fixtures.typeA, { limit: 2 })).toEqual([
        { id: hooks[0]!.id, ordered: false },
        { id: hooks[1]!.id, ordered: true }
      ])
    }).pipe(Effect.provide(layer)))

  it.live("an ordered webhook whose record cjson cannot decode (a lone surrogate) keeps its place in the ordered index", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      const orderedKey = `${prefix}wh-ordered:${teamspace}`
      // Stored before Herald refused such text; the API and the core services refuse it now.
      const poisoned = Fixtures.withChanges(
        Fixtures.webhook({ teamspace, metadata: { k: "a\ud800" } }),
        { ordered: true }
      )
      const plain = Fixtures.webhook({ teamspace, time: poisoned.createdAt + 1 })
      yield* Effect.forEach([poisoned, plain], store.insert, { discard: true })
      // As an earlier version left them: no ordered set, so the next fan-out indexes every record.
      yield* Effect.promise(() => redis.del(orderedKey))

      expect(yield* store.activePage(teamspace, Fixtures.typeA, { limit: 10 })).toEqual([
        { id: poisoned.id, ordered: true },
        { id: plain.id, ordered: false }
      ])
      expect(yield* Effect.promise(() => redis.sismember(orderedKey, poisoned.id))).toBe(1)
    }).pipe(Effect.provide(layer)))

  it.live("get decodes a record once while its text is unchanged, and sees updates and removals at once", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const teamspace = Fixtures.teamspace()
      const hook = Fixtures.webhook({ teamspace, url: "https://example.com/first" })
      yield* store.insert(hook)
      const first = Option.getOrThrow(yield* store.get(teamspace, hook.id))
      // The same text: the same decoded webhook, not a new one.
      expect(Option.getOrThrow(yield* store.get(teamspace, hook.id))).toBe(first)

      yield* store.update(Fixtures.withChanges(hook, { url: "https://example.com/second" }))
      const second = Option.getOrThrow(yield* store.get(teamspace, hook.id))
      expect(second).not.toBe(first)
      expect(second.url).toBe("https://example.com/second")
      yield* store.remove(teamspace, hook.id)
      expect(Option.isNone(yield* store.get(teamspace, hook.id))).toBe(true)
    }).pipe(Effect.provide(layer)))

  it.live("every key lives under the hash-tagged prefix, and secrets round-trip as Redacted", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      const hook = Fixtures.webhook({ teamspace, secrets: [Fixtures.secret("whsec_round_trip")] })
      yield* store.insert(hook)
      expect(prefix.startsWith("{")).toBe(true)
      // Test-only inspection of the private server; the adapters never list keys.
      const written = yield* Effect.promise(() => redis.call("KEYS", `*${teamspace}*`) as Promise<Array<string>>)
      expect(written.length).toBeGreaterThan(0)
      for (const key of written) expect(key.startsWith(prefix)).toBe(true)
      const got = Option.getOrThrow(yield* store.get(teamspace, hook.id))
      expect(Redacted.isRedacted(got.secrets[0].key)).toBe(true)
      expect(Redacted.value(got.secrets[0].key)).toBe("whsec_round_trip")
    }).pipe(Effect.provide(layer)))
})

describe.skipIf(!available)(`RedisSubscriptionStore with HERALD_ENCRYPTION_KEY ${skipReason}`, () => {
  const { client } = useRedis()
  const cipher = SecretCipher.aes256gcm(randomBytes(32))
  const encrypted = Layer.provideMerge(RedisSubscriptionStore.layer, client).pipe(
    Layer.provide(Layer.succeed(SecretCipher.SecretCipher, cipher))
  )
  const plain = Layer.provideMerge(RedisSubscriptionStore.layer, client)

  it.live("stores signing secrets encrypted and reads them back in the clear", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const { prefix, redis } = yield* RedisClient.RedisClient
      const teamspace = Fixtures.teamspace()
      const hook = Fixtures.webhook({ teamspace })
      const secret = Redacted.value(hook.secrets[0].key)
      yield* store.insert(hook)
      const raw = yield* Effect.promise(() => redis.get(`${prefix}wh:${teamspace}:${hook.id}`))
      expect(raw).toContain("enc:v1:")
      expect(raw).not.toContain(secret)
      const read = Option.getOrThrow(yield* store.get(teamspace, hook.id))
      expect(Redacted.value(read.secrets[0].key)).toBe(secret)
      expect((yield* store.active(teamspace, hook.events[0])).map((found) => Redacted.value(found.secrets[0].key))).toEqual([
        secret
      ])
    }).pipe(Effect.provide(encrypted)))

  it.live("reads secrets stored before encryption was turned on", () =>
    Effect.gen(function*() {
      const teamspace = Fixtures.teamspace()
      const hook = Fixtures.webhook({ teamspace })
      yield* Effect.flatMap(SubscriptionStore.SubscriptionStore, (store) => store.insert(hook)).pipe(Effect.provide(plain))
      const read = yield* Effect.flatMap(SubscriptionStore.SubscriptionStore, (store) => store.get(teamspace, hook.id)).pipe(
        Effect.provide(encrypted)
      )
      expect(Redacted.value(Option.getOrThrow(read).secrets[0].key)).toBe(Redacted.value(hook.secrets[0].key))
    }))
})
