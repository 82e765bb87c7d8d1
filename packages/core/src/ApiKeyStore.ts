/**
 * Port: API keys, stored as SHA-256 hashes (the keys are random, so a fast hash
 * is enough; a leaked store does not reveal them).
 */
import { Context, type Effect, type Option, Schema } from "effect"
import { TeamspaceId } from "./Ids.js"
import { Millis } from "./Webhook.js"

export const Scope = Schema.Literal("webhooks:write", "events:publish", "read")
export type Scope = typeof Scope.Type

export class ApiKey extends Schema.Class<ApiKey>("@herald/core/ApiKey")({
  /** Hex SHA-256 of the key. */
  hash: Schema.String,
  teamspace: TeamspaceId,
  scopes: Schema.Array(Scope),
  label: Schema.String,
  createdAt: Millis
}) {}

export interface ApiKeyStoreShape {
  readonly insert: (key: ApiKey) => Effect.Effect<void>
  readonly findByHash: (hash: string) => Effect.Effect<Option.Option<ApiKey>>
  readonly remove: (hash: string) => Effect.Effect<boolean>
}

export class ApiKeyStore extends Context.Tag("@herald/core/ApiKeyStore")<ApiKeyStore, ApiKeyStoreShape>() {}
