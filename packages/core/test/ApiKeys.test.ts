import { describe, expect, it } from "@effect/vitest"
import { ApiKeys, ApiKeyStore, type Ids } from "@herald/core"
import { Effect, Either, Layer, Option, Redacted } from "effect"

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
