// What the conformance suite leaves to the Redis adapter, through ApiKeys' cache: a key is read
// from Redis once per process, a revoke in another process (its own connections) is refused
// within a second, and a subscriber connection that drops empties the cache, so a revoke nobody
// heard is not served from it. Real time, polled.
import { describe, expect, it } from "@effect/vitest"
import { ApiKeys, type Ids } from "@herald/core"
import { RedisApiKeyStore, RedisClient, RedisKeyRevocations } from "@herald/redis"
import { Fixtures } from "@herald/testkit"
import { Context, Effect, Layer } from "effect"
import type { Redis } from "ioredis"
import { available, skipReason, useRedis } from "./RedisTestServer.js"

describe.skipIf(!available)(`RedisKeyRevocations with ApiKeys ${skipReason}`, () => {
  const { current } = useRedis()
  /** A connection of its own, as another API process would have. */
  const connect = Effect.suspend(() => RedisClient.make({ url: current().url, prefix: `{${current().prefix}}` }))

  /** One process's ApiKeys on its own connections; without revocations, as a process that publishes nothing. */
  const processOn = (revocations: boolean) =>
    Effect.gen(function*() {
      const client = yield* connect
      const ports = revocations ? Layer.merge(RedisApiKeyStore.layer, RedisKeyRevocations.layer) : RedisApiKeyStore.layer
      const context = yield* Layer.build(
        ApiKeys.ApiKeys.Default.pipe(Layer.provide(ports), Layer.provide(Layer.succeed(RedisClient.RedisClient, client)))
      )
      return { client, apiKeys: Context.get(context, ApiKeys.ApiKeys) }
    })

  const refused = (apiKeys: ApiKeys.ApiKeys, key: Parameters<ApiKeys.ApiKeys["authenticate"]>[0]) =>
    Effect.map(Effect.either(apiKeys.authenticate(key)), (result) => result._tag === "Left")

  it.scopedLive("a cached key is not read from Redis again", () =>
    Effect.gen(function*() {
      const { apiKeys, client } = yield* processOn(true)
      // Issued elsewhere: an issue publishes its hash (it may replace a key), and the echo would empty the entry.
      const { key, record } = yield* (yield* processOn(false)).apiKeys.issue(Fixtures.teamspace() as Ids.TeamspaceId)
      const monitor = yield* Effect.acquireRelease(
        Effect.promise(() => (client.redis as Redis).duplicate().monitor()),
        (connection) => Effect.sync(() => connection.disconnect())
      )
      const commands: Array<ReadonlyArray<string>> = []
      monitor.on("monitor", (_time: string, args: ReadonlyArray<string>) => void commands.push(args))
      const reads = () => commands.filter(([name, redisKey]) => name?.toLowerCase() === "get" && redisKey?.endsWith(record.hash)).length

      for (let i = 0; i < 5; i++) yield* apiKeys.authenticate(key)
      // MONITOR reports commands in the order Redis ran them: once it shows this one, it has shown the reads.
      const marker = `after-${record.id}`
      yield* Effect.promise(() => client.redis.echo(marker))
      yield* Fixtures.eventually("the marker", Effect.sync(() => commands.some((args) => args.includes(marker))))
      expect(reads()).toBe(1)
    }))

  it.scopedLive("a key revoked in another process is refused within a second", () =>
    Effect.gen(function*() {
      const serving = yield* processOn(true)
      const admin = yield* processOn(true)
      const teamspace = Fixtures.teamspace() as Ids.TeamspaceId
      const byId = yield* serving.apiKeys.issue(teamspace)
      const byKey = yield* serving.apiKeys.issue(teamspace)
      yield* serving.apiKeys.authenticate(byId.key)
      yield* serving.apiKeys.authenticate(byKey.key)

      yield* admin.apiKeys.revokeById(byId.record.id)
      yield* admin.apiKeys.revoke(byKey.key)
      yield* Fixtures.eventually("the revoked keys to be refused", Effect.map(
        Effect.all([refused(serving.apiKeys, byId.key), refused(serving.apiKeys, byKey.key)]),
        (both) => both.every(Boolean)
      ), "1 second")
    }))

  it.scopedLive("a dropped subscriber connection empties the cache, so a revoke it missed is refused", () =>
    Effect.gen(function*() {
      const serving = yield* processOn(true)
      // Revokes without publishing: what a process on the other side of an outage would leave unheard.
      const unheard = yield* processOn(false)
      const { key } = yield* unheard.apiKeys.issue(Fixtures.teamspace() as Ids.TeamspaceId)
      yield* serving.apiKeys.authenticate(key)
      yield* unheard.apiKeys.revoke(key)
      // Still served from the cache: nobody told this process.
      yield* serving.apiKeys.authenticate(key)

      yield* Effect.promise(() => unheard.client.redis.client("KILL", "TYPE", "pubsub"))
      yield* Fixtures.eventually("the key to be refused", refused(serving.apiKeys, key))

      // Subscribed again after the reconnect, it caches again: a key it accepted outlives an unheard revoke.
      yield* Fixtures.eventually("the cache to be live again", Effect.gen(function*() {
        const { key: next } = yield* unheard.apiKeys.issue(Fixtures.teamspace() as Ids.TeamspaceId)
        yield* serving.apiKeys.authenticate(next)
        yield* unheard.apiKeys.revoke(next)
        return !(yield* refused(serving.apiKeys, next))
      }).pipe(Effect.orDie))
    }))
})
