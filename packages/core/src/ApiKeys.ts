/**
 * API keys: issue, authenticate, list, revoke. Only the SHA-256 hash is stored;
 * the key itself is shown once, when it is made, and is named afterwards by its
 * id (`ApiKeyStore.keyId`). Each key is bound to one teamspace and carries
 * scopes, which the HTTP app enforces per route.
 *
 * Authentication reads the store once per key and process, then serves the key
 * from a cache (`internal/ApiKeyCache`) while revocations are heard: a revoke or
 * a replacing `register` is published (`KeyRevocations`), and every process
 * drops the key when it hears it, within a second. Without a live subscription
 * nothing is cached.
 */
import { createHash, randomBytes } from "node:crypto"
import { Clock, Effect, Either, Option, Redacted, Schema } from "effect"
import { ApiKey, ApiKeyStore, Scope } from "./ApiKeyStore.js"
import { Unauthenticated } from "./Errors.js"
import { TeamspaceId } from "./Ids.js"
import * as ApiKeyCache from "./internal/ApiKeyCache.js"
import { KeyRevocations } from "./KeyRevocations.js"

/** Every scope, in the order they are listed to users; what a key gets when no scopes are given. */
export const allScopes: ReadonlyArray<Scope> = ["webhooks:write", "events:publish", "read"]

/**
 * The hex SHA-256 of a key: how keys are stored and looked up. Use it to find a key you hold in an
 * `ApiKeyStore`.
 */
export const hashKey = (key: string): string => createHash("sha256").update(key).digest("hex")

/** How a portal session's token starts (`PortalSessions.generateToken`); an API key starts `hk_`. */
export const SESSION_TOKEN_PREFIX = "hps_"

/** A new key: `hk_` + 32 random bytes, base64url (URL- and header-safe). */
export const generateKey = (): string => "hk_" + randomBytes(32).toString("base64url")

/**
 * The API keys service: `issue` a new key (its plaintext returned once), `register` a key you
 * already have (e.g. from configuration), `authenticate` a presented key (fails with
 * `Unauthenticated` when it is empty or unknown), `list` a teamspace's keys, `findById`, and
 * `revoke` or `revokeById`.
 *
 * Needs the `ApiKeyStore` port, and `KeyRevocations` to cache keys (without it, the default `none`,
 * every authentication reads the store); `ApiKeys.Default` provides the service given the store, and
 * `Herald.servicesLayer` includes it. Its subscription to revocations lasts as long as the layer.
 */
export class ApiKeys extends Effect.Service<ApiKeys>()("@herald/core/ApiKeys", {
  scoped: Effect.gen(function*() {
    const store = yield* ApiKeyStore
    const revocations = yield* KeyRevocations
    const cache = ApiKeyCache.make()
    yield* revocations.subscribe(cache)

    /** Drops the key here at once, and tells every other process (after the store has changed, so none reads it back). */
    const revoked = (hash: string) =>
      Effect.zipRight(Effect.sync(() => cache.revoked(hash)), revocations.publish(hash))

    /** Registers an existing key (e.g. from configuration). */
    const register = (key: Redacted.Redacted<string>, teamspace: TeamspaceId, options?: {
      readonly scopes?: ReadonlyArray<Scope>
      readonly label?: string
    }) =>
      Effect.gen(function*() {
        const createdAt = yield* Clock.currentTimeMillis
        const record = new ApiKey({
          hash: hashKey(Redacted.value(key)),
          teamspace,
          scopes: options?.scopes ?? allScopes,
          label: options?.label ?? "",
          createdAt
        })
        yield* store.insert(record)
        // It may replace a key with the same hash (other scopes): no process may keep serving the old one.
        yield* revoked(record.hash)
        return record
      })

    /** Makes a new key; the returned plaintext is its only copy. */
    const issue = (teamspace: TeamspaceId, options?: { readonly scopes?: ReadonlyArray<Scope>; readonly label?: string }) =>
      Effect.gen(function*() {
        const key = Redacted.make(generateKey())
        const record = yield* register(key, teamspace, options)
        return { key, record } as const
      })

    const unknown = (value: string) =>
      // The store forgets a portal session's token once it expires (`ApiKeyStoreShape`): one
      // unknown by its prefix (`PortalSessions.generateToken`) is told so, as when it is found expired.
      Effect.fail(
        new Unauthenticated({
          message: value.startsWith(SESSION_TOKEN_PREFIX)
            ? "This portal session has expired or was revoked: open a new one"
            : "Invalid API key"
        })
      )

    // Checked on every use, cached or not: a session ends at its time whoever holds a copy.
    const unexpired = (found: ApiKey, now: number) =>
      found.session === null || now < found.session.expiresAt
        ? Effect.succeed(found)
        : Effect.fail(new Unauthenticated({ message: "This portal session has expired: open a new one" }))

    const authenticate = (key: Redacted.Redacted<string>) => {
      const value = Redacted.value(key)
      if (value === "") return Effect.fail(new Unauthenticated({ message: "Missing API key" }))
      const hash = hashKey(value)
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const cached = cache.get(hash, now)
        if (cached !== undefined) return unexpired(cached, now)
        const readAt = cache.generation()
        return store.findByHash(hash).pipe(
          Effect.flatMap(Option.match({
            // Never cached: a key issued later must be found, and guesses must not fill the cache.
            onNone: () => unknown(value),
            onSome: (found) => {
              cache.set(found, now, readAt)
              return unexpired(found, now)
            }
          }))
        )
      })
    }

    const revoke = (key: Redacted.Redacted<string>) => {
      const hash = hashKey(Redacted.value(key))
      return Effect.tap(store.remove(hash), () => revoked(hash))
    }

    /** A teamspace's keys (hashes and metadata, never the keys), oldest first. */
    const list = (teamspace: TeamspaceId) => store.list(teamspace)

    /** Revokes the key with this id; the revoked key, or None if there is none. */
    const revokeById = (id: string) =>
      store.findById(id).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeedNone,
          onSome: (key) =>
            store.remove(key.hash).pipe(
              Effect.tap(() => revoked(key.hash)),
              Effect.map((removed) => removed ? Option.some(key) : Option.none())
            )
        }))
      )

    return { register, issue, authenticate, revoke, list, findById: store.findById, revokeById } as const
  })
}) {}

const isTeamspace = Schema.is(TeamspaceId)
const isScope = Schema.is(Scope)

/** Parses `read,events:publish` (or `+`-separated): at least one scope, each known, none twice. */
export const parseScopes = (text: string, separator: "," | "+" = ","): Either.Either<ReadonlyArray<Scope>, string> => {
  const scopes: Array<Scope> = []
  for (const part of text.split(separator)) {
    const scope = part.trim()
    if (!isScope(scope)) return Either.left(`unknown scope ${JSON.stringify(scope)} (scopes: ${allScopes.join(", ")})`)
    if (!scopes.includes(scope)) scopes.push(scope)
  }
  return Either.right(scopes)
}

/** A key to accept, its teamspace, and its scopes (every scope when absent). */
export type SeedKey = readonly [Redacted.Redacted<string>, TeamspaceId, (ReadonlyArray<Scope> | undefined)?]

type SeedKeys = ReadonlyArray<SeedKey>

/**
 * Parses `key=teamspace,...`, each entry optionally `key=teamspace:scope+scope`;
 * the error never repeats a key.
 */
export const parseSeed = (text: string): Either.Either<SeedKeys, string> => {
  const seeds: Array<SeedKey> = []
  for (const [index, entry] of text.split(",").entries()) {
    if (entry.trim() === "") continue
    const at = entry.lastIndexOf("=")
    const key = entry.slice(0, at).trim()
    const binding = entry.slice(at + 1).trim()
    // A teamspace has no colon, so the first one starts the scopes (which have colons of their own).
    const colon = binding.indexOf(":")
    const teamspace = colon < 0 ? binding : binding.slice(0, colon)
    if (at <= 0 || key.length < 16 || !isTeamspace(teamspace)) {
      return Either.left(
        `entry ${index + 1}: expected key=teamspace or key=teamspace:scope+scope with a key of at least 16 characters`
      )
    }
    if (colon < 0) {
      seeds.push([Redacted.make(key), teamspace])
      continue
    }
    const scopes = parseScopes(binding.slice(colon + 1), "+")
    if (Either.isLeft(scopes)) return Either.left(`entry ${index + 1}: ${scopes.left}`)
    seeds.push([Redacted.make(key), teamspace, scopes.right])
  }
  return Either.right(seeds)
}
