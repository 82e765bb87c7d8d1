/**
 * ApiKeyStore on Redis: `apikey:{hash}` holds the Schema-encoded key.
 * Authentication looks keys up by the hash of what the caller presented, so
 * that needs no index. Administration does: `apikeys:{teamspace}` is the set of
 * a teamspace's hashes and `apikey-id:{id}` the hash of the key with that id.
 *
 * A portal session's token is a key too, but it ends: its record and id index
 * expire at its `session.expiresAt` (PEXPIREAT, so at once when that is past),
 * and its hash is never added to the teamspace's set, which lists API keys only.
 *
 * A key inserted again under another teamspace (or as a session) stays in its
 * old teamspace's set until that set is next listed, which drops hashes whose
 * key is gone, has moved or is a session; a listing never shows another
 * teamspace's key.
 */
import { Effect, Layer, Option } from "effect"
import { ApiKeyStore } from "@herald/core"
import * as DecodeMemo from "./internal/DecodeMemo.js"
import * as JsonCodec from "./internal/JsonCodec.js"
import * as LuaScript from "./internal/LuaScript.js"
import { execute, RedisClient } from "./RedisClient.js"

const codec = JsonCodec.make(ApiKeyStore.ApiKey)

/**
 * KEYS: record, teamspace set, id. ARGV: json, hash, and a session's expiry (epoch ms; empty for an
 * API key). SET drops any expiry an earlier record under the key had.
 */
const insertScript = `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[3], ARGV[2])
if ARGV[3] == '' then
  redis.call('SADD', KEYS[2], ARGV[2])
else
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
  redis.call('PEXPIREAT', KEYS[3], ARGV[3])
end
return 1
`

/** KEYS: record, teamspace set, id. ARGV: hash. 1 if the record existed. */
const removeScript = `
local existed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return existed
`

/**
 * Builds the Redis `ApiKeyStore` over the `RedisClient`; for composing it yourself. Most callers
 * want `layer`.
 */
export const make: Effect.Effect<ApiKeyStore.ApiKeyStoreShape, never, RedisClient> = Effect.gen(function*() {
  const { prefix, redis } = yield* RedisClient
  const recordKey = (hash: string) => `${prefix}apikey:${hash}`
  const teamspaceKey = (teamspace: string) => `${prefix}apikeys:${teamspace}`
  const idKey = (id: string) => `${prefix}apikey-id:${id}`
  const runInsert = LuaScript.define(redis, "heraldApiKeyInsert", 3, insertScript)
  const runRemove = LuaScript.define(redis, "heraldApiKeyRemove", 3, removeScript)
  // Every authenticated request looks its key up: read each time, decoded once.
  const memo = DecodeMemo.make(codec.decode)

  const findByHash = (hash: string) =>
    execute("GET", () => redis.get(recordKey(hash))).pipe(
      Effect.flatMap((raw) => raw === null ? Effect.succeedNone : Effect.asSome(memo.decode(hash, raw)))
    )

  return {
    insert: (apiKey) =>
      codec.encode(apiKey).pipe(
        Effect.flatMap((json) =>
          runInsert(
            [recordKey(apiKey.hash), teamspaceKey(apiKey.teamspace), idKey(apiKey.id)],
            [json, apiKey.hash, apiKey.session === null ? "" : apiKey.session.expiresAt]
          )
        ),
        Effect.asVoid
      ),
    findByHash,
    findById: (id) =>
      execute("GET", () => redis.get(idKey(id))).pipe(
        Effect.flatMap((hash) => hash === null ? Effect.succeedNone : findByHash(hash)),
        // The index may outlive a key moved under the same id by a (theoretical) hash-prefix collision.
        Effect.map(Option.filter((key) => key.id === id))
      ),
    list: (teamspace) =>
      Effect.gen(function*() {
        const hashes = yield* execute("SMEMBERS", () => redis.smembers(teamspaceKey(teamspace)))
        if (hashes.length === 0) return []
        const raws = yield* execute("MGET", () => redis.mget(hashes.map(recordKey)))
        const keys: Array<ApiKeyStore.ApiKey> = []
        const stale: Array<string> = []
        for (const [index, raw] of raws.entries()) {
          const key = raw === null ? undefined : yield* codec.decode(raw)
          if (key !== undefined && key.teamspace === teamspace && key.session === null) keys.push(key)
          else stale.push(hashes[index]!)
          // A session stored in the set, without an expiry, by a version before sessions expired: given its expiry.
          if (key !== undefined && key.session !== null) {
            const expiresAt = key.session.expiresAt
            yield* execute("PEXPIREAT", () => redis.pexpireat(recordKey(key.hash), expiresAt))
          }
        }
        if (stale.length > 0) yield* execute("SREM", () => redis.srem(teamspaceKey(teamspace), ...stale))
        return keys.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      }),
    remove: (hash) =>
      Effect.gen(function*() {
        const existing = yield* findByHash(hash)
        if (Option.isNone(existing)) return false
        const key = existing.value
        const removed = yield* runRemove([recordKey(hash), teamspaceKey(key.teamspace), idKey(key.id)], [hash])
        return Number(removed) > 0
      })
  }
})

/**
 * Provides `ApiKeyStore` on Redis; needs a `RedisClient`. `RedisLayer.layer` includes it. Redis
 * failures are defects (a `RedisError`), so the port's operations never fail.
 */
export const layer: Layer.Layer<ApiKeyStore.ApiKeyStore, never, RedisClient> = Layer.effect(
  ApiKeyStore.ApiKeyStore,
  make
)
