/**
 * AttemptLog on Redis.
 *
 * Keys (under the client's prefix):
 * - `att:{teamspace}`: hash, attempt id -> Schema-encoded attempt.
 * - `att-ids:{teamspace}`: sorted set (score 0) of every attempt id.
 * - `att-wh:{teamspace}:{webhookId}`: sorted set of the webhook's attempt ids.
 * - `att-evt:{teamspace}:{eventId}`: sorted set of the event's attempt ids,
 *   expiring with the event (the retention TTL, refreshed on each attempt).
 *
 * Attempt ids are ULIDs, so lex order is time order: newest first from a
 * `before` cursor is a ZREVRANGEBYLEX from `(before`, over the narrowest index
 * the query allows (event, then webhook, then teamspace).
 *
 * `record` is one Lua script: store, index, and trim the webhook to its newest
 * `MAX_ATTEMPTS_PER_WEBHOOK` (dropping the trimmed records from the hash and
 * the teamspace index in the same step). With `endsFailureStreaks` (which
 * `RedisLayer` sets, composing this log beside `RedisHealthStore` on the same
 * client and prefix) a successful attempt also ends the webhook's failure
 * streak there (`RedisHealthStore.streakKey`, in the same slot): every worker's
 * success ends any worker's streak, as a separate reset would, without a round
 * trip of its own. Off by default: beside any other health store the streak
 * would never end. The per-event index of a trimmed
 * attempt is not touched, because its key is known only after reading the
 * record and a Cluster-safe script names its keys up front; `list` skips ids
 * whose record is gone and rechecks every filter on the record itself, and the
 * event index expires with the event anyway.
 */
import { Effect, Layer } from "effect"
import { Attempt, AttemptLog, type Ids } from "@herald/core"
import * as JsonCodec from "./internal/JsonCodec.js"
import * as LuaScript from "./internal/LuaScript.js"
import { execute, RedisClient } from "./RedisClient.js"
import { streakKey } from "./RedisHealthStore.js"
import * as Retention from "./Retention.js"

/** How many attempts are kept per webhook (the newest), as in the memory adapter. */
export const MAX_ATTEMPTS_PER_WEBHOOK = 1_000

/**
 * KEYS: records, all ids, webhook ids, event ids, webhook failure streak.
 * ARGV: id, json, cap, event index ttl (seconds), webhook id, 1 to end the streak (a success) else 0.
 * A trimmed id is only dropped from the hash and teamspace index if its record
 * still belongs to this webhook (an id recorded again under another webhook
 * has moved on).
 */
const recordAttempt = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
redis.call('ZADD', KEYS[4], 0, ARGV[1])
redis.call('EXPIRE', KEYS[4], ARGV[4])
if ARGV[6] == '1' then redis.call('DEL', KEYS[5]) end
local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[3])
if over > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, over - 1)) do
    redis.call('ZREM', KEYS[3], id)
    local record = redis.call('HGET', KEYS[1], id)
    if record and cjson.decode(record).webhookId == ARGV[5] then
      redis.call('HDEL', KEYS[1], id)
      redis.call('ZREM', KEYS[2], id)
    end
  end
end
return 1
`

/** Attempts are written once per delivery and built by the Dispatcher from validated parts. */
const codec = JsonCodec.make(Attempt.Attempt, { trustedEncode: true })

/** How long attempts are kept, and whether logging a success also ends the webhook's failure streak. */
export interface Options extends Retention.Options {
  /**
   * End a webhook's failure streak in `RedisHealthStore` when a success is
   * logged (and say so, so `EndpointHealth` skips its own reset). Only beside
   * `RedisHealthStore` on the same client and prefix. Default false.
   */
  readonly endsFailureStreaks?: boolean | undefined
}

/**
 * Builds the Redis `AttemptLog` with these options over the `RedisClient`; for composing it
 * yourself. Most callers want `layer`.
 */
export const make = (options?: Options): Effect.Effect<AttemptLog.AttemptLogShape, never, RedisClient> =>
  Effect.gen(function*() {
    const { prefix, redis } = yield* RedisClient
    const ttl = Retention.seconds(options)
    const endsFailureStreaks = options?.endsFailureStreaks === true
    const recordsKey = (teamspace: Ids.TeamspaceId) => `${prefix}att:${teamspace}`
    const allKey = (teamspace: Ids.TeamspaceId) => `${prefix}att-ids:${teamspace}`
    const webhookKey = (teamspace: Ids.TeamspaceId, id: Ids.WebhookId) => `${prefix}att-wh:${teamspace}:${id}`
    const eventKey = (teamspace: Ids.TeamspaceId, id: Ids.EventId) => `${prefix}att-evt:${teamspace}:${id}`
    const record = LuaScript.define(redis, "heraldRecordAttempt", 5, recordAttempt)

    /** One index page, newest first, strictly below `max`, with the records still stored. */
    const page = (index: string, records: string, max: string, size: number) =>
      execute("ZREVRANGEBYLEX", () => redis.zrevrangebylex(index, max, "-", "LIMIT", 0, size)).pipe(
        Effect.flatMap((ids) =>
          ids.length === 0
            ? Effect.succeed({ ids, raws: [] })
            : Effect.map(execute("HMGET", () => redis.hmget(records, ...ids)), (raws) => ({ ids, raws }))
        )
      )

    const list = (query: AttemptLog.AttemptQuery) =>
      Effect.gen(function*() {
        if (query.limit < 1) return []
        const index = query.eventId !== undefined
          ? eventKey(query.teamspace, query.eventId)
          : query.webhookId !== undefined
          ? webhookKey(query.teamspace, query.webhookId)
          : allKey(query.teamspace)
        const records = recordsKey(query.teamspace)
        const keep = (attempt: Attempt.Attempt) =>
          (query.webhookId === undefined || attempt.webhookId === query.webhookId) &&
          (query.eventId === undefined || attempt.eventId === query.eventId) &&
          (query.eventType === undefined || attempt.eventType === query.eventType) &&
          (query.successful === undefined || attempt.successful === query.successful)
        // Filters may skip ids, so read ahead in batches until the page is full or the index ends.
        const size = Math.min(Math.max(query.limit * 2, 50), 1_000)
        const out: Array<Attempt.Attempt> = []
        let max = query.before === undefined ? "+" : `(${query.before}`
        for (;;) {
          const { ids, raws } = yield* page(index, records, max, size)
          for (const raw of raws) {
            if (raw === null) continue
            const attempt = yield* codec.decode(raw)
            if (keep(attempt)) out.push(attempt)
            if (out.length === query.limit) return out
          }
          if (ids.length < size) return out
          max = `(${ids[ids.length - 1]!}`
        }
      })

    return {
      record: (attempt) =>
        codec.encode(attempt).pipe(
          Effect.flatMap((json) =>
            record(
              [
                recordsKey(attempt.teamspace),
                allKey(attempt.teamspace),
                webhookKey(attempt.teamspace, attempt.webhookId),
                eventKey(attempt.teamspace, attempt.eventId),
                streakKey(prefix, attempt.teamspace, attempt.webhookId)
              ],
              [attempt.id, json, MAX_ATTEMPTS_PER_WEBHOOK, ttl, attempt.webhookId, endsFailureStreaks && attempt.successful ? 1 : 0]
            )
          ),
          Effect.asVoid
        ),
      list,
      endsFailureStreaks
    }
  })

/**
 * Provides `AttemptLog` on Redis with these options; needs a `RedisClient`. `RedisLayer.layer`
 * includes it. Each webhook keeps its newest `MAX_ATTEMPTS_PER_WEBHOOK` attempts; an event's index
 * of attempts expires with the event. Redis failures are defects (a `RedisError`), so the port's
 * operations never fail.
 */
export const layer = (options?: Options): Layer.Layer<AttemptLog.AttemptLog, never, RedisClient> =>
  Layer.effect(AttemptLog.AttemptLog, make(options))
