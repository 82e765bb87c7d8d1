/**
 * API keys: issue, authenticate, revoke. Only the SHA-256 hash is stored; the key
 * itself is shown once, when it is made.
 */
import { createHash, randomBytes } from "node:crypto"
import { Clock, Config, ConfigError, Effect, Either, Option, Redacted, Schema } from "effect"
import { ApiKey, ApiKeyStore, type Scope } from "./ApiKeyStore.js"
import { Unauthenticated } from "./Errors.js"
import { TeamspaceId } from "./Ids.js"

export const allScopes: ReadonlyArray<Scope> = ["webhooks:write", "events:publish", "read"]

export const hashKey = (key: string): string => createHash("sha256").update(key).digest("hex")

/** A new key: `hk_` + 32 random bytes, base64url (URL- and header-safe). */
export const generateKey = (): string => "hk_" + randomBytes(32).toString("base64url")

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
          onNone: () => Effect.fail(new Unauthenticated({ message: "Invalid API key" })),
          onSome: Effect.succeed
        }))
      )
    }

    const revoke = (key: Redacted.Redacted<string>) => store.remove(hashKey(Redacted.value(key)))

    return { register, issue, authenticate, revoke } as const
  })
}) {}

const isTeamspace = Schema.is(TeamspaceId)

type SeedKeys = ReadonlyArray<readonly [Redacted.Redacted<string>, TeamspaceId]>

/** Parses `key=teamspace,...`; the error never repeats a key. */
export const parseSeed = (text: string): Either.Either<SeedKeys, string> => {
  const pairs: Array<readonly [Redacted.Redacted<string>, TeamspaceId]> = []
  for (const [index, entry] of text.split(",").entries()) {
    if (entry.trim() === "") continue
    const at = entry.lastIndexOf("=")
    const key = entry.slice(0, at).trim()
    const teamspace = entry.slice(at + 1).trim()
    if (at <= 0 || key.length < 16 || !isTeamspace(teamspace)) {
      return Either.left(`entry ${index + 1}: expected key=teamspace with a key of at least 16 characters`)
    }
    pairs.push([Redacted.make(key), teamspace])
  }
  return Either.right(pairs)
}

/**
 * `HERALD_API_KEYS=key=teamspace,key2=teamspace2`: keys to accept, each bound to
 * one teamspace. Read as a secret, so the value never reaches a log.
 */
export const seedConfig: Config.Config<SeedKeys> = Config.redacted("HERALD_API_KEYS").pipe(
  Config.withDefault(Redacted.make("")),
  Config.mapOrFail((redacted) =>
    Either.mapLeft(parseSeed(Redacted.value(redacted)), (message) => ConfigError.InvalidData(["HERALD_API_KEYS"], message))
  ),
  Config.withDescription("API keys to accept: key=teamspace,key2=teamspace2")
)
