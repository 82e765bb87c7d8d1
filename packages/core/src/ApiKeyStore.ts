/**
 * Port: API keys, stored as SHA-256 hashes (the keys are random, so a fast hash
 * is enough; a leaked store does not reveal them). A key is named, without its
 * secret, by its id: the first 12 hex digits of its hash. Authentication finds a
 * key by the hash of what the caller presented; administration lists a
 * teamspace's keys and finds one by id.
 */
import { Context, type Effect, type Option, Schema } from "effect"
import { TeamspaceId } from "./Ids.js"
import { Millis } from "./Webhook.js"

export const Scope = Schema.Literal("webhooks:write", "events:publish", "read")
export type Scope = typeof Scope.Type

/** Hex digits of the hash that make a key's id: 48 bits, unique among any realistic number of keys. */
export const ID_LENGTH = 12

/** A key's id, from its hash: safe to show, log and type; it reveals nothing of the key. */
export const keyId = (hash: string): string => hash.slice(0, ID_LENGTH)

export class ApiKey extends Schema.Class<ApiKey>("@herald/core/ApiKey")({
  /** Hex SHA-256 of the key. */
  hash: Schema.String,
  teamspace: TeamspaceId,
  scopes: Schema.Array(Scope),
  label: Schema.String,
  createdAt: Millis
}) {
  /** The key's id (see `keyId`). */
  get id(): string {
    return keyId(this.hash)
  }
}

export interface ApiKeyStoreShape {
  /** Stores a key, replacing any with the same hash (its teamspace, scopes and label included). */
  readonly insert: (key: ApiKey) => Effect.Effect<void>
  readonly findByHash: (hash: string) => Effect.Effect<Option.Option<ApiKey>>
  readonly findById: (id: string) => Effect.Effect<Option.Option<ApiKey>>
  /** A teamspace's keys, oldest first (then by id). */
  readonly list: (teamspace: TeamspaceId) => Effect.Effect<ReadonlyArray<ApiKey>>
  /** Deletes a key; true if there was one. */
  readonly remove: (hash: string) => Effect.Effect<boolean>
}

export class ApiKeyStore extends Context.Tag("@herald/core/ApiKeyStore")<ApiKeyStore, ApiKeyStoreShape>() {}
