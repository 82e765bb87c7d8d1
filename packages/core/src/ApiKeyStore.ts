/**
 * Port: API keys, stored as SHA-256 hashes (the keys are random, so a fast hash
 * is enough; a leaked store does not reveal them). A key is named, without its
 * secret, by its id: the first 12 hex digits of its hash. Authentication finds a
 * key by the hash of what the caller presented; administration lists a
 * teamspace's keys and finds one by id.
 */
import { Context, type Effect, type Option, Schema } from "effect"
import { TeamspaceId } from "./Ids.js"
import { Profile } from "./Profile.js"
import { Millis } from "./Webhook.js"

/**
 * What an API key may do: `webhooks:write` (manage webhooks), `events:publish` (publish events),
 * `read` (read webhooks, events and attempts). The HTTP edge checks each route's declared scope
 * against the key's.
 */
export const Scope = Schema.Literal("webhooks:write", "events:publish", "read")
/** One of the scopes an API key can carry (see the `Scope` schema). */
export type Scope = typeof Scope.Type

/** Hex digits of the hash that make a key's id: 48 bits, unique among any realistic number of keys. */
export const ID_LENGTH = 12

/** A key's id, from its hash: safe to show, log and type; it reveals nothing of the key. */
export const keyId = (hash: string): string => hash.slice(0, ID_LENGTH)

/**
 * What makes a key a portal session's token (`ApiKeys.openSession`): when it ends, whether it is
 * read-only, and the profile the portal page works through.
 */
export class PortalSession extends Schema.Class<PortalSession>("@herald/core/PortalSession")({
  expiresAt: Millis,
  readOnly: Schema.Boolean,
  profile: Profile
}) {}

/**
 * A stored API key: the hash of the key (never the key), its teamspace, scopes, label and creation
 * time, and for a portal session's token its session. What `ApiKeys.authenticate` returns and what
 * the edge turns into the request's principal.
 */
export class ApiKey extends Schema.Class<ApiKey>("@herald/core/ApiKey")({
  /** Hex SHA-256 of the key. */
  hash: Schema.String,
  teamspace: TeamspaceId,
  scopes: Schema.Array(Scope),
  label: Schema.String,
  createdAt: Millis,
  /** Set for a portal session's token, which ends; null for an API key. Absent in records written before it existed. */
  session: Schema.optionalWith(Schema.NullOr(PortalSession), { default: () => null })
}) {
  /** The key's id (see `keyId`). */
  get id(): string {
    return keyId(this.hash)
  }
}

/**
 * What an API key store adapter implements (`@herald/memory`, `@herald/redis`, `@herald/postgres`);
 * application code uses the `ApiKeys` service instead. Lookups are by hash (authentication) or by id
 * (administration).
 *
 * A portal session's token (a key with a `session`) is kept until its `session.expiresAt` and no
 * longer: the adapter expires it (`findByHash` and `findById` never return one whose time has come,
 * and its storage is freed then or by a later sweep), so sessions never pile up however many are
 * opened; `ApiKeys.authenticate` refuses an expired one anyway. Sessions are not the teamspace's API
 * keys: `list` never returns one, while `findById` finds a live one (to revoke it).
 */
export interface ApiKeyStoreShape {
  /**
   * Stores a key, replacing any with the same hash (its teamspace, scopes, label and session
   * included); a session's until its `expiresAt` (one already past is not found at all).
   */
  readonly insert: (key: ApiKey) => Effect.Effect<void>
  /** The key or live session with that hash. */
  readonly findByHash: (hash: string) => Effect.Effect<Option.Option<ApiKey>>
  /** The key or live session with that id. */
  readonly findById: (id: string) => Effect.Effect<Option.Option<ApiKey>>
  /** A teamspace's API keys, oldest first (then by id); never its portal sessions. */
  readonly list: (teamspace: TeamspaceId) => Effect.Effect<ReadonlyArray<ApiKey>>
  /** Deletes a key or live session; true if there was one (an expired session counts as none). */
  readonly remove: (hash: string) => Effect.Effect<boolean>
}

/**
 * The API key store port. Provided by an adapter layer (`MemoryApiKeyStore.layer`,
 * `RedisApiKeyStore.layer`, `PostgresApiKeyStore.layer`); required by `ApiKeys`, so by `Herald.servicesLayer`.
 */
export class ApiKeyStore extends Context.Tag("@herald/core/ApiKeyStore")<ApiKeyStore, ApiKeyStoreShape>() {}
