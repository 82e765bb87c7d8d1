import { describe, expect, it } from "@effect/vitest"
import { ApiKeys, ApiKeyStore, type Ids, KeyRevocations } from "@herald/core"
import { Clock, Context, Deferred, Effect, Either, Fiber, Layer, Option, Redacted, TestClock } from "effect"

const plain = (seeds: Either.Either<ReadonlyArray<ApiKeys.SeedKey>, string>) =>
  Either.map(seeds, (list) => list.map(([key, teamspace, scopes]) => [Redacted.value(key), teamspace, scopes]))

describe("HERALD_API_KEYS", () => {
  it("binds each key to a teamspace, with every scope unless scopes follow a colon", () => {
    expect(plain(ApiKeys.parseSeed("hk_0123456789abcdef=acme, hk_fedcba9876543210==ci:read+events:publish,"))).toEqual(
      Either.right([
        ["hk_0123456789abcdef", "acme", undefined],
        ["hk_fedcba9876543210=", "ci", ["read", "events:publish"]]
      ])
    )
  })

  it("refuses unknown or missing scopes, naming the entry but never the key", () => {
    for (const text of ["hk_0123456789abcdef=acme:admin", "hk_0123456789abcdef=acme:", "hk_0123456789abcdef=acme:read+"]) {
      const parsed = ApiKeys.parseSeed(text)
      expect(Either.isLeft(parsed)).toBe(true)
      expect(Either.getLeft(parsed).pipe(Option.getOrThrow)).toMatch(/^entry 1: unknown scope/)
      expect(Either.getLeft(parsed).pipe(Option.getOrThrow)).not.toContain("0123456789abcdef")
    }
  })
})

describe("parseScopes", () => {
  it("takes a comma list, drops repeats and refuses unknown names", () => {
    expect(ApiKeys.parseScopes("read, events:publish,read")).toEqual(Either.right(["read", "events:publish"]))
    expect(Either.isLeft(ApiKeys.parseScopes("read,write"))).toBe(true)
  })
})

describe("ApiKeys", () => {
  const memoryStore = Layer.sync(ApiKeyStore.ApiKeyStore, () => {
    const keys = new Map<string, ApiKeyStore.ApiKey>()
    return {
      insert: (key) => Effect.sync(() => void keys.set(key.hash, key)),
      findByHash: (hash) => Effect.sync(() => Option.fromNullable(keys.get(hash))),
      findById: (id) => Effect.sync(() => Option.fromNullable([...keys.values()].find((key) => key.id === id))),
      list: (teamspace) => Effect.sync(() => [...keys.values()].filter((key) => key.teamspace === teamspace)),
      remove: (hash) => Effect.sync(() => keys.delete(hash))
    }
  })
  const layer = ApiKeys.ApiKeys.Default.pipe(Layer.provide(memoryStore))
  const acme = "acme" as Ids.TeamspaceId

  it.effect("issues a key named by an id that is not the key, and revokes it by that id", () =>
    Effect.gen(function*() {
      const apiKeys = yield* ApiKeys.ApiKeys
      const { key, record } = yield* apiKeys.issue(acme, { scopes: ["read"], label: "ci" })
      expect(record.id).toBe(ApiKeys.hashKey(Redacted.value(key)).slice(0, 12))
      expect(Redacted.value(key)).not.toContain(record.id)
      expect((yield* apiKeys.authenticate(key)).scopes).toEqual(["read"])
      expect((yield* apiKeys.list(acme)).map((listed) => listed.id)).toEqual([record.id])

      expect(Option.map(yield* apiKeys.revokeById(record.id), (revoked) => revoked.label)).toEqual(Option.some("ci"))
      expect(Option.isNone(yield* apiKeys.revokeById(record.id))).toBe(true)
      expect((yield* Effect.flip(apiKeys.authenticate(key)))._tag).toBe("Unauthenticated")
    }).pipe(Effect.provide(layer)))

  it.effect("an unknown session token is told its session expired or was revoked, an unknown key that it is invalid", () =>
    Effect.gen(function*() {
      const apiKeys = yield* ApiKeys.ApiKeys
      // The store forgets a session once it expires: its token is then unknown.
      const session = yield* Effect.flip(apiKeys.authenticate(Redacted.make("hps_forgotten")))
      expect(session.message).toBe("This portal session has expired or was revoked: open a new one")
      const key = yield* Effect.flip(apiKeys.authenticate(Redacted.make("hk_unknown")))
      expect(key.message).toBe("Invalid API key")
    }).pipe(Effect.provide(layer)))
})

describe("ApiKeys' cache", () => {
  const acme = "acme" as Ids.TeamspaceId

  /** A store that counts its reads by hash, so a test sees when authentication reached it. */
  const countingStore = () => {
    const keys = new Map<string, ApiKeyStore.ApiKey>()
    const reads = { count: 0 }
    const store: ApiKeyStore.ApiKeyStoreShape = {
      insert: (key) => Effect.sync(() => void keys.set(key.hash, key)),
      findByHash: (hash) =>
        Effect.sync(() => {
          reads.count++
          return Option.fromNullable(keys.get(hash))
        }),
      findById: (id) => Effect.sync(() => Option.fromNullable([...keys.values()].find((key) => key.id === id))),
      list: (teamspace) => Effect.sync(() => [...keys.values()].filter((key) => key.teamspace === teamspace)),
      remove: (hash) => Effect.sync(() => keys.delete(hash))
    }
    return { keys, reads, store }
  }

  /** Revocations between the "processes" of one test, whose subscription the test can drop and restore. */
  const sharedRevocations = () => {
    const listeners = new Set<KeyRevocations.RevocationListener>()
    const port: KeyRevocations.KeyRevocationsShape = {
      publish: (hash) => Effect.sync(() => listeners.forEach((listener) => listener.revoked(hash))),
      subscribe: (listener) =>
        Effect.acquireRelease(
          Effect.sync(() => {
            listeners.add(listener)
            listener.live()
          }),
          () => Effect.sync(() => void listeners.delete(listener))
        )
    }
    return {
      port,
      drop: () => listeners.forEach((listener) => listener.lost()),
      restore: () => listeners.forEach((listener) => listener.live())
    }
  }

  const processOver = (store: ApiKeyStore.ApiKeyStoreShape, revocations?: KeyRevocations.KeyRevocationsShape) =>
    Effect.flatMap(
      Layer.build(
        ApiKeys.ApiKeys.Default.pipe(
          Layer.provide(Layer.succeed(ApiKeyStore.ApiKeyStore, store)),
          Layer.provide(
            revocations === undefined ? Layer.empty : Layer.succeed(KeyRevocations.KeyRevocations, revocations)
          )
        )
      ),
      (context) => Effect.succeed(Context.get(context, ApiKeys.ApiKeys))
    )

  it.scoped("serves a found key from the cache, never caches an unknown one, and reads every time without a channel", () =>
    Effect.gen(function*() {
      const { reads, store } = countingStore()
      const apiKeys = yield* processOver(store, sharedRevocations().port)
      const { key } = yield* apiKeys.issue(acme, { scopes: ["read"] })
      for (let i = 0; i < 3; i++) expect((yield* apiKeys.authenticate(key)).scopes).toEqual(["read"])
      expect(reads.count).toBe(1)

      for (let i = 0; i < 3; i++) yield* Effect.flip(apiKeys.authenticate(Redacted.make("hk_unknown")))
      expect(reads.count).toBe(4)

      const uncached = yield* processOver(store)
      for (let i = 0; i < 3; i++) yield* uncached.authenticate(key)
      expect(reads.count).toBe(7)
    }))

  it.scoped("a revoke in one process is refused at once by another that had the key cached", () =>
    Effect.gen(function*() {
      const { store } = countingStore()
      const revocations = sharedRevocations()
      const first = yield* processOver(store, revocations.port)
      const second = yield* processOver(store, revocations.port)
      const { key, record } = yield* first.issue(acme)
      const other = yield* first.issue(acme)
      yield* second.authenticate(key)
      yield* second.authenticate(other.key)

      yield* first.revokeById(record.id)
      expect((yield* Effect.flip(second.authenticate(key))).message).toBe("Invalid API key")
      yield* first.revoke(other.key)
      expect((yield* Effect.flip(second.authenticate(other.key))).message).toBe("Invalid API key")
    }))

  it.scoped("a dropped subscription empties the cache, and nothing is cached until it is live again", () =>
    Effect.gen(function*() {
      const { keys, reads, store } = countingStore()
      const revocations = sharedRevocations()
      const apiKeys = yield* processOver(store, revocations.port)
      const { key, record } = yield* apiKeys.issue(acme)
      yield* apiKeys.authenticate(key)
      yield* apiKeys.authenticate(key)
      expect(reads.count).toBe(1)

      revocations.drop()
      yield* apiKeys.authenticate(key)
      yield* apiKeys.authenticate(key)
      expect(reads.count).toBe(3)
      // Revoked while the subscription was down (so no process heard it): refused, not served from a copy.
      keys.delete(record.hash)
      expect((yield* Effect.flip(apiKeys.authenticate(key)))._tag).toBe("Unauthenticated")

      revocations.restore()
      const again = yield* apiKeys.issue(acme)
      yield* apiKeys.authenticate(again.key)
      yield* apiKeys.authenticate(again.key)
      expect(reads.count).toBe(5)
    }))

  it.scoped("a key read before a revocation was heard is not cached by that read", () =>
    Effect.gen(function*() {
      const { reads, store } = countingStore()
      const revocations = sharedRevocations()
      const reading = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      // The first read returns the key only after a revocation has been published meanwhile.
      const slowStore: ApiKeyStore.ApiKeyStoreShape = {
        ...store,
        findByHash: (hash) =>
          Effect.flatMap(store.findByHash(hash), (found) =>
            reads.count === 1
              ? Effect.as(Effect.zipRight(Deferred.succeed(reading, undefined), Deferred.await(release)), found)
              : Effect.succeed(found))
      }
      const apiKeys = yield* processOver(slowStore, revocations.port)
      const { key, record } = yield* apiKeys.issue(acme)
      const racing = yield* Effect.fork(apiKeys.authenticate(key))
      yield* Deferred.await(reading)
      yield* revocations.port.publish(record.hash)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(racing)

      yield* apiKeys.authenticate(key)
      expect(reads.count).toBe(2)
    }))

  it.scoped("a cached portal session is refused once it expires, and a cached key once its time limit passes", () =>
    Effect.gen(function*() {
      const { reads, store } = countingStore()
      const apiKeys = yield* processOver(store, sharedRevocations().port)
      const token = Redacted.make("hps_session_token_for_test")
      const now = yield* Clock.currentTimeMillis
      yield* store.insert(
        new ApiKeyStore.ApiKey({
          hash: ApiKeys.hashKey(Redacted.value(token)),
          teamspace: acme,
          scopes: ["read"],
          label: "",
          createdAt: now,
          session: new ApiKeyStore.PortalSession({ expiresAt: now + 1_000, readOnly: true, profile: "datagrid" })
        })
      )
      yield* apiKeys.authenticate(token)
      yield* TestClock.adjust("999 millis")
      yield* apiKeys.authenticate(token)
      expect(reads.count).toBe(1)
      yield* TestClock.adjust("1 milli")
      expect((yield* Effect.flip(apiKeys.authenticate(token))).message).toBe("This portal session has expired: open a new one")

      const { key } = yield* apiKeys.issue(acme)
      yield* apiKeys.authenticate(key)
      yield* TestClock.adjust("59 seconds")
      yield* apiKeys.authenticate(key)
      expect(reads.count).toBe(2)
      yield* TestClock.adjust("1 second")
      yield* apiKeys.authenticate(key)
      expect(reads.count).toBe(3)
    }))
})
