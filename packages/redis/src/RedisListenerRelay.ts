/**
 * ListenerRelay on Redis: the worker, the API process holding a `herald
 * listen` stream, and the API process receiving its answer may all differ.
 *
 * - A delivery is PUBLISHed on its listener's channel
 *   (`listen:{teamspace}:{listener}`), which the process holding the stream
 *   SUBSCRIBEs to while it is attached. No receiver on a single server means
 *   no stream: the attempt fails at once. On a Cluster, PUBLISH counts only the
 *   receivers of the node it ran on, so a zero there proves nothing and the
 *   attempt waits for its answer (the delivery timeout) instead.
 * - The delivery's relay id starts with the sending process's token; its
 *   answer is PUBLISHed on that process's channel (`listen-answers:{token}`),
 *   which the sender subscribes to before its first delivery. A key per
 *   delivery awaited (`listen-pending:{id}`, expiring with its timeout) lets
 *   exactly one answer through, from its own listener: a second, a late one or
 *   another teamspace's is refused where it is posted.
 * - Leases are a sorted set of expiry times (`listeners`) beside a hash of
 *   each listener's webhook (`listener-webhooks`); a script claims lapsed
 *   ones, so each is removed by one sweeper.
 *
 * Subscriptions go through the process's one subscriber connection
 * (`RedisSubscriber`), shared with the other adapters that listen.
 */
import { randomBytes } from "node:crypto"
import { type Ids, ListenerRelay, type Transport } from "@herald/core"
import { Effect, Layer, Queue, Runtime, Scope } from "effect"
import { Cluster } from "ioredis"
import * as LuaScript from "./internal/LuaScript.js"
import { execute, RedisClient } from "./RedisClient.js"
import * as RedisSubscriber from "./RedisSubscriber.js"

/** KEYS: expiries, webhooks. ARGV: until, member, webhook id. */
const leaseScript = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
`

/** KEYS: expiries, webhooks. ARGV: member. */
const releaseScript = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
`

/** KEYS: expiries, webhooks. ARGV: now, limit. The lapsed leases, removed: member, webhook id, ... */
const claimScript = `
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local claimed = {}
for _, member in ipairs(lapsed) do
  local webhook = redis.call('HGET', KEYS[2], member)
  redis.call('ZREM', KEYS[1], member)
  redis.call('HDEL', KEYS[2], member)
  if webhook then
    claimed[#claimed + 1] = member
    claimed[#claimed + 1] = webhook
  end
end
return claimed
`

/**
 * KEYS: the delivery's pending key. ARGV: listener member, ttl ms, channel, message, whether a
 * Cluster (where a zero proves nothing). Publishes the delivery and, when someone may receive it,
 * marks it as awaited (by that listener, for that long), in one step: the receivers.
 */
const sendScript = `
local receivers = redis.call('PUBLISH', ARGV[3], ARGV[4])
if receivers > 0 or ARGV[5] == '1' then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return receivers
`

/**
 * KEYS: the delivery's pending key. ARGV: listener member, answers channel, message. Takes the
 * delivery's mark when that listener's and passes the answer on: 1; else 0 (answered already,
 * timed out, or another listener's), so an answer settles a delivery once.
 */
const answerScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`

/** A relay id: the sender's token, a dot, and the delivery's own random part. */
const RELAY_ID = /^([0-9a-f]{32})\.[0-9a-f]{32}$/

const memberOf = (teamspace: Ids.TeamspaceId, listenerId: string) => `${teamspace}\n${listenerId}`

const leaseOf = (member: string, webhookId: string): ListenerRelay.ListenerLease => {
  const at = member.indexOf("\n")
  return {
    teamspace: member.slice(0, at) as Ids.TeamspaceId,
    listenerId: member.slice(at + 1),
    webhookId: webhookId as Ids.WebhookId
  }
}

/** What travels on an answers channel. */
interface AnswerMessage {
  readonly id: string
  readonly listener: string
  readonly answer: ListenerRelay.ListenerAnswer
}

/**
 * Builds the Redis `ListenerRelay` over the `RedisClient` and the `RedisSubscriber`, its
 * subscriptions ended with the scope; for composing it yourself. Most callers want `layer`.
 */
export const make = Effect.gen(function*() {
  const { prefix, redis } = yield* RedisClient
  const subscriber = yield* RedisSubscriber.RedisSubscriber
  const scope = yield* Effect.scope
  const run = Runtime.runFork(yield* Effect.runtime<never>())
  const cluster = redis instanceof Cluster
  const token = randomBytes(16).toString("hex")
  const expiries = `${prefix}listeners`
  const webhooks = `${prefix}listener-webhooks`
  const channelOf = (teamspace: Ids.TeamspaceId, listenerId: string) => `${prefix}listen:${teamspace}:${listenerId}`
  const answersOf = (sender: string) => `${prefix}listen-answers:${sender}`
  const ownAnswers = answersOf(token)
  const pending = new ListenerRelay.PendingAnswers()
  const lease = LuaScript.define(redis, "heraldLeaseListener", 2, leaseScript)
  const release = LuaScript.define(redis, "heraldReleaseListener", 2, releaseScript)
  const claim = LuaScript.define(redis, "heraldClaimLapsedListeners", 2, claimScript)
  const publishDelivery = LuaScript.define(redis, "heraldRelayDelivery", 1, sendScript)
  const publishAnswer = LuaScript.define(redis, "heraldRelayAnswer", 1, answerScript)
  const pendingOf = (id: string) => `${prefix}listen-pending:${id}`

  /** Subscribes to this process's answers before the first delivery it sends (again after a failed try). */
  let subscribedToAnswers = false
  const subscribing = yield* Effect.makeSemaphore(1)
  const answersReady = Effect.suspend(() =>
    subscribedToAnswers ? Effect.void : subscribing.withPermits(1)(Effect.suspend(() =>
      subscribedToAnswers ? Effect.void : Effect.map(
        Scope.extend(
          subscriber.subscribe(ownAnswers, (message) => {
            const { id, listener, answer } = JSON.parse(message) as AnswerMessage
            run(pending.settle(id, listener, answer))
          }),
          scope
        ),
        () => {
          subscribedToAnswers = true
        }
      )
    ))
  )

  const send = (
    teamspace: Ids.TeamspaceId,
    listenerId: string,
    delivery: Omit<ListenerRelay.RelayedDelivery, "id">,
    timeoutMs: number
  ): Effect.Effect<Transport.DeliveryResponse, Transport.TransportError> =>
    Effect.zipRight(
      answersReady,
      Effect.suspend(() => {
        const id = `${token}.${randomBytes(16).toString("hex")}`
        const member = memberOf(teamspace, listenerId)
        const publish = Effect.flatMap(
          publishDelivery([pendingOf(id)], [
            member,
            timeoutMs,
            channelOf(teamspace, listenerId),
            JSON.stringify({ ...delivery, id }),
            cluster ? "1" : "0"
          ]),
          (receivers) => receivers === 0 && !cluster ? Effect.fail(ListenerRelay.notConnected()) : Effect.void
        )
        return pending.wait(id, member, timeoutMs, publish)
      })
    )

  const attach = (teamspace: Ids.TeamspaceId, listenerId: string) =>
    Effect.gen(function*() {
      // Released in reverse: unsubscribed first, so nothing is offered to the queue once it is shut down.
      const queue = yield* Effect.acquireRelease(Queue.unbounded<ListenerRelay.RelayedDelivery>(), Queue.shutdown)
      yield* subscriber.subscribe(channelOf(teamspace, listenerId), (message) =>
        run(Queue.offer(queue, JSON.parse(message) as ListenerRelay.RelayedDelivery)))
      return queue
    })

  return {
    send,
    attach,
    answer: (teamspace, listenerId, id, answer) => {
      const sender = RELAY_ID.exec(id)?.[1]
      if (sender === undefined) return Effect.fail(new ListenerRelay.NoSuchDelivery({ id }))
      const message: AnswerMessage = { id, listener: memberOf(teamspace, listenerId), answer }
      return Effect.flatMap(
        publishAnswer([pendingOf(id)], [message.listener, answersOf(sender), JSON.stringify(message)]),
        (taken) => taken === 1 ? Effect.void : Effect.fail(new ListenerRelay.NoSuchDelivery({ id }))
      )
    },
    lease: (entry, until) => Effect.asVoid(lease([expiries, webhooks], [until, memberOf(entry.teamspace, entry.listenerId), entry.webhookId])),
    find: (teamspace, listenerId) =>
      Effect.map(
        execute("HGET", () => redis.hget(webhooks, memberOf(teamspace, listenerId))),
        (webhookId) => webhookId === null ? undefined : { teamspace, listenerId, webhookId: webhookId as Ids.WebhookId }
      ),
    release: (teamspace, listenerId) => Effect.asVoid(release([expiries, webhooks], [memberOf(teamspace, listenerId)])),
    expired: (now, limit) =>
      Effect.map(claim([expiries, webhooks], [now, limit]), (reply) => {
        const flat = reply as ReadonlyArray<string>
        const claimed: Array<ListenerRelay.ListenerLease> = []
        for (let at = 0; at + 1 < flat.length; at += 2) claimed.push(leaseOf(flat[at]!, flat[at + 1]!))
        return claimed
      })
  } satisfies ListenerRelay.ListenerRelayShape
})

/**
 * Provides `ListenerRelay` on Redis; needs a `RedisClient` (the `RedisSubscriber` over it is the
 * composition's one). `RedisLayer.layer` includes it. Redis failures are defects (a `RedisError`).
 */
export const layer: Layer.Layer<ListenerRelay.ListenerRelay, never, RedisClient> = Layer.scoped(ListenerRelay.ListenerRelay, make).pipe(
  Layer.provide(RedisSubscriber.layer)
)
