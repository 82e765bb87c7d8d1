/**
 * API keys: issue, authenticate, list, revoke. Only the SHA-256 hash is stored;
 * the key itself is shown once, when it is made, and is named afterwards by its
 * id (`ApiKeyStore.keyId`). Each key is bound to one teamspace and carries
 * scopes, which the HTTP app enforces per route.
 */
import { createHash, randomBytes } from "node:crypto"
import { Clock, Effect, Either, Option, Redacted, Schema } from "effect"
import { ApiKey, ApiKeyStore, Scope } from "./ApiKeyStore.js"
import { Unauthenticated } from "./Errors.js"
import { TeamspaceId } from "./Ids.js"

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
 * Needs the `ApiKeyStore` port; `ApiKeys.Default` provides it given that store, and
 * `Herald.servicesLayer` includes it.
 */
export class ApiKeys extends Effect.Service<ApiKeys>()("@herald/core/ApiKeys", {
  effect: Effect.gen(function*() {
    const store = yield* ApiKeyStore

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
        return record
      })

    /** Makes a new key; the returned plaintext is its only copy. */
    const issue = (teamspace: TeamspaceId, options?: { readonly scopes?: ReadonlyArray<Scope>; readonly label?: string }) =>
      Effect.gen(function*() {
        const key = Redacted.make(generateKey())
        const record = yield* register(key, teamspace, options)
        return { key, record } as const
      })

    const authenticate = (key: Redacted.Redacted<string>) => {
      const value = Redacted.value(key)
      if (value === "") return Effect.fail(new Unauthenticated({ message: "Missing API key" }))
      return store.findByHash(hashKey(value)).pipe(
        Effect.flatMap(Option.match({
          // The store forgets a portal session's token once it expires (`ApiKeyStoreShape`): one
          // unknown by its prefix (`PortalSessions.generateToken`) is told so, as when it is found expired.
          onNone: () =>
            Effect.fail(
              new Unauthenticated({
                message: value.startsWith(SESSION_TOKEN_PREFIX)
                  ? "This portal session has expired or was revoked: open a new one"
                  : "Invalid API key"
              })
            ),
          onSome: (found) =>
            found.session === null
              ? Effect.succeed(found)
              : Effect.flatMap(Clock.currentTimeMillis, (now) =>
                now < found.session!.expiresAt
                  ? Effect.succeed(found)
                  : Effect.fail(new Unauthenticated({ message: "This portal session has expired: open a new one" })))
        }))
      )
    }

    const revoke = (key: Redacted.Redacted<string>) => store.remove(hashKey(Redacted.value(key)))

    /** A teamspace's keys (hashes and metadata, never the keys), oldest first. */
    const list = (teamspace: TeamspaceId) => store.list(teamspace)

    /** Revokes the key with this id; the revoked key, or None if there is none. */
    const revokeById = (id: string) =>
      store.findById(id).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeedNone,
          onSome: (key) => Effect.map(store.remove(key.hash), (removed) => removed ? Option.some(key) : Option.none())
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
