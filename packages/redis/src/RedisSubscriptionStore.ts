/**
 * SubscriptionStore on Redis.
 *
 * Keys (all under the client's prefix; teamspace ids contain no `:`):
 * - `wh:{teamspace}:{id}`: the webhook, Schema-encoded JSON. The teamspace is in
 *   the key, so another teamspace's get/update/remove simply finds nothing.
 * - `wh-ids:{teamspace}`: sorted set, every id at score 0. Ids are ULIDs, so lex
 *   order is creation order: a page is one ZRANGEBYLEX / ZREVRANGEBYLEX with
 *   exclusive `(after` / `(before` bounds, and `count` is ZCARD.
 * - `wh-active:{teamspace}`: sorted set at score 0 of `{eventType}:{id}` for
 *   each event type of each ENABLED webhook. `active` is one ZRANGEBYLEX over
 *   the type's prefix: O(log n + subscribers of that type), never a scan.
 *   (Event types never contain `:`, so the prefix cannot match another type.)
 *   One fan-out index per teamspace, rather than one set per event type, keeps
 *   every key a write touches known before the old record is read, so the Lua
 *   scripts below name all their keys in KEYS, as Redis Cluster requires.
 * - `wh-ordered:{teamspace}`: set of the ids of `ordered` webhooks, so a fan-out
 *   page (`activePage`) is one script, ZRANGEBYLEX + SMISMEMBER, that reads no
 *   record. Its member `*` (no id is `*`) says the set is complete: the first
 *   webhook of a teamspace sets it; records of a teamspace written before the
 *   set existed are indexed by the first fan-out that finds it incomplete
 *   (`indexOrdered`), one record per script call. Fan-outs that start before it
 *   is done index again, which is idempotent: a cost paid once per teamspace,
 *   at upgrade. (A process of an earlier version writing a webhook
 *   after that is not seen by the set: upgrade every process that writes
 *   webhooks together.)
 *   The page's keys and script are `internal/FanOutIndex`'s: `RedisEventStore`
 *   reads a publish's first page with them inside its append.
 *
 * insert, update and remove are each one Lua script: read the old record,
 * unindex its event types, write, reindex. Nothing can interleave, and an
 * update of a record that is gone writes nothing.
 *
 * `get` decodes a record again only when its text changed (the worker reads
 * the same webhook for every delivery; the same text decodes to the same
 * webhook). Every call still reads Redis, so a change or a removal is seen at once.
 */
import { Effect, Layer } from "effect"
import { type EventType, type Ids, SecretCipher, SubscriptionStore, Webhook } from "@herald/core"
import * as DecodeMemo from "./internal/DecodeMemo.js"
import * as FanOutIndex from "./internal/FanOutIndex.js"
import * as JsonCodec from "./internal/JsonCodec.js"
import * as LuaScript from "./internal/LuaScript.js"
import { execute, RedisClient } from "./RedisClient.js"

/**
 * `decodeRecord(raw)`, for every script that reads a record. cjson refuses a
 * lone surrogate escape ("\ud800"), which a record written before Herald
 * refused such text may hold: without the fallback such a webhook could be
 * neither changed nor removed, and would lose its place in the ordered set.
 * The scripts read only its event types and `ordered`, so any surrogate
 * escape may stand in as U+FFFD (the result is valid JSON whatever precedes it).
 */
const decodeRecord = `
local function decodeRecord(raw)
  local decoded, record = pcall(cjson.decode, raw)
  if decoded then return record end
  return cjson.decode((string.gsub(raw, '\\\\u[dD][89abcdefABCDEF]%x%x', '\\\\ufffd')))
end
`

/** Removes the fan-out entries of the record in KEYS[1] (if any); `old` says whether it existed. */
const unindexOld = decodeRecord + `
local old = redis.call('GET', KEYS[1])
if old then
  local record = decodeRecord(old)
  for _, eventType in ipairs(record.events) do
    redis.call('ZREM', KEYS[3], eventType .. ':' .. ARGV[1])
  end
end
`

const { COMPLETE } = FanOutIndex

/** Writes the record and indexes it. ARGV: id, json, enabled ('1'/'0'), ordered ('1'/'0'), event types... */
const writeNew = `
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SADD', KEYS[4], '${COMPLETE}')
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
if ARGV[4] == '1' then
  redis.call('SADD', KEYS[4], ARGV[1])
else
  redis.call('SREM', KEYS[4], ARGV[1])
end
if ARGV[3] == '1' then
  for i = 5, #ARGV do
    redis.call('ZADD', KEYS[3], 0, ARGV[i] .. ':' .. ARGV[1])
  end
end
return 1
`

/** KEYS: record, ids, active, ordered. Replaces any previous version of the webhook. */
const insertWebhook = unindexOld + writeNew

/** KEYS: record, ids, active, ordered. 0 and no write when the record is gone. */
const updateWebhook = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
` + unindexOld + writeNew

/** KEYS: record, ids, active, ordered. ARGV: id. 0 when there was nothing to remove. */
const removeWebhook = unindexOld + `
if not old then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
return 1
`

/** One fan-out page (`FanOutIndex.pageFunction`). KEYS: active, ordered. ARGV: min, max, limit, prefix length. */
const fanOutPage = FanOutIndex.pageFunction + `
return fanOutPage(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
`

/** Indexes one record written before the ordered set existed. KEYS: ordered, record. ARGV: id. */
const indexOrderedRecord = decodeRecord + `
local raw = redis.call('GET', KEYS[2])
local decoded, record = pcall(decodeRecord, raw or 'null')
if decoded and type(record) == 'table' and record.ordered == true then
  redis.call('SADD', KEYS[1], ARGV[1])
else
  redis.call('SREM', KEYS[1], ARGV[1])
end
return 1
`

/** Ids per ZRANGEBYLEX while indexing a teamspace's records, and scripts in flight. */
const INDEX_BATCH = 500

const codec = JsonCodec.make(Webhook.Webhook)

/** Decoded webhooks remembered by `get`: the endpoints a worker is delivering to. */
const DECODED_CAPACITY = 1_000

/**
 * Builds the Redis `SubscriptionStore` over the `RedisClient`; for composing it yourself. Most
 * callers want `layer`.
 */
export const make: Effect.Effect<SubscriptionStore.SubscriptionStoreShape, never, RedisClient> = Effect.gen(
  function*() {
    const { prefix, redis } = yield* RedisClient
    const recordKey = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) => `${prefix}wh:${teamspace}:${id}`
    const idsKey = (teamspace: Ids.TeamspaceId) => `${prefix}wh-ids:${teamspace}`
    const activeKey = (teamspace: Ids.TeamspaceId) => FanOutIndex.activeKey(prefix, teamspace)
    const orderedKey = (teamspace: Ids.TeamspaceId) => FanOutIndex.orderedKey(prefix, teamspace)
    const keysOf = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) => [
      recordKey(teamspace, id),
      idsKey(teamspace),
      activeKey(teamspace),
      orderedKey(teamspace)
    ]

    const scripts = {
      insert: LuaScript.define(redis, "heraldInsertWebhookV2", 4, insertWebhook),
      update: LuaScript.define(redis, "heraldUpdateWebhookV2", 4, updateWebhook),
      remove: LuaScript.define(redis, "heraldRemoveWebhookV2", 4, removeWebhook),
      fanOutPage: LuaScript.define(redis, "heraldFanOutPage", 2, fanOutPage),
      indexOrdered: LuaScript.define(redis, "heraldIndexOrderedWebhook", 2, indexOrderedRecord)
    }

    // Secrets are encrypted on the way in and out when a key is configured (see SecretCipher).
    const cipher = yield* SecretCipher.SecretCipher
    const decode = (raw: string) => Effect.map(codec.decode(raw), (webhook) => Webhook.mapSecretKeys(webhook, cipher.decrypt))
    const decoded = DecodeMemo.make(decode, DECODED_CAPACITY)

    const write = (script: LuaScript.Run, webhook: Webhook.Webhook) =>
      Effect.flatMap(codec.encode(Webhook.mapSecretKeys(webhook, cipher.encrypt)), (json) =>
        script(keysOf(webhook.teamspace, webhook.id), [
          webhook.id,
          json,
          webhook.enabled ? "1" : "0",
          webhook.ordered ? "1" : "0",
          ...webhook.events
        ]))

    /** Loads records by id, in the given order; ids removed meanwhile are skipped. */
    const load = (teamspace: Ids.TeamspaceId, ids: ReadonlyArray<string>) =>
      ids.length === 0
        ? Effect.succeed([])
        : execute("MGET", () => redis.mget(ids.map((id) => recordKey(teamspace, id as Ids.WebhookId)))).pipe(
          Effect.flatMap((raws) =>
            Effect.forEach(raws.filter((raw): raw is string => raw !== null), decode)
          )
        )

    const insert = (webhook: Webhook.Webhook) => Effect.asVoid(write(scripts.insert, webhook))

    const update = (webhook: Webhook.Webhook) => Effect.map(write(scripts.update, webhook), (n) => n === 1)

    const get = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) =>
      Effect.suspend(() => {
        const key = recordKey(teamspace, id)
        return execute("GET", () => redis.get(key)).pipe(
          Effect.flatMap((raw) => raw === null ? Effect.succeedNone : Effect.asSome(decoded.decode(key, raw)))
        )
      })

    const remove = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) =>
      Effect.map(scripts.remove(keysOf(teamspace, id), [id]), (n) => n === 1)

    const list = (teamspace: Ids.TeamspaceId, query: SubscriptionStore.PageQuery) => {
      if (query.limit < 1) return Effect.succeed([])
      const min = query.after === undefined ? "-" : `(${query.after}`
      const max = query.before === undefined ? "+" : `(${query.before}`
      const key = idsKey(teamspace)
      return execute("ZRANGEBYLEX", () =>
        query.order === "asc"
          ? redis.zrangebylex(key, min, max, "LIMIT", 0, query.limit)
          : redis.zrevrangebylex(key, max, min, "LIMIT", 0, query.limit)).pipe(
          Effect.flatMap((ids) => load(teamspace, ids))
        )
    }

    const count = (teamspace: Ids.TeamspaceId) => execute("ZCARD", () => redis.zcard(idsKey(teamspace)))

    const active = (teamspace: Ids.TeamspaceId, eventType: EventType.EventType) =>
      // `;` follows `:` in ASCII: the range is exactly the members `{eventType}:...`, in id order.
      execute("ZRANGEBYLEX", () => redis.zrangebylex(activeKey(teamspace), `[${eventType}:`, `(${eventType};`)).pipe(
        Effect.flatMap((members) => load(teamspace, members.map((member) => member.slice(eventType.length + 1))))
      )

    /**
     * Completes the ordered set of a teamspace whose records predate it. Each
     * record is read and indexed in one script, so a write meanwhile (which
     * indexes itself) cannot be undone by a stale read.
     */
    const indexOrdered = (teamspace: Ids.TeamspaceId) =>
      Effect.gen(function*() {
        const ordered = orderedKey(teamspace)
        let min = "-"
        while (true) {
          const ids = yield* execute(
            "ZRANGEBYLEX",
            () => redis.zrangebylex(idsKey(teamspace), min, "+", "LIMIT", 0, INDEX_BATCH)
          )
          yield* Effect.forEach(
            ids,
            (id) => scripts.indexOrdered([ordered, recordKey(teamspace, id as Ids.WebhookId)], [id]),
            { concurrency: "unbounded", discard: true }
          )
          if (ids.length < INDEX_BATCH) break
          min = `(${ids.at(-1)!}`
        }
        yield* execute("SADD", () => redis.sadd(ordered, COMPLETE))
      })

    const activePage = (
      teamspace: Ids.TeamspaceId,
      eventType: EventType.EventType,
      page: { readonly after?: Ids.WebhookId | undefined; readonly limit: number }
    ): Effect.Effect<ReadonlyArray<SubscriptionStore.FanOutTarget>> => {
      if (page.limit < 1) return Effect.succeed([])
      const read = scripts.fanOutPage(FanOutIndex.pageKeys(prefix, teamspace), FanOutIndex.pageArgs(eventType, page))
      const targets = (reply: unknown) => FanOutIndex.targets((reply ?? []) as ReadonlyArray<unknown>)
      return Effect.flatMap(read, (reply) =>
        reply === null
          ? Effect.zipRight(indexOrdered(teamspace), Effect.map(read, targets))
          : Effect.succeed(targets(reply)))
    }

    return { insert, get, update, remove, list, count, active, activePage }
  }
)

/**
 * Provides `SubscriptionStore` on Redis; needs a `RedisClient`. `RedisLayer.layer` includes it.
 * Redis failures are defects (a `RedisError`), so the port's operations never fail.
 */
export const layer: Layer.Layer<SubscriptionStore.SubscriptionStore, never, RedisClient> = Layer.effect(
  SubscriptionStore.SubscriptionStore,
  make
)
