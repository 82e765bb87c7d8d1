// The Redis adapters on a 3-master Redis Cluster (`cluster: true`): the four
// conformance suites, and the property that makes their scripts and multi-key
// reads valid there: every key they write lives in one slot.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Cluster, Redis } from "ioredis"
import { ApiKeyStore, AttemptLog, EventStore, EventTypeStore, SubscriptionStore } from "@herald/core"
import {
  RedisApiKeyStore,
  RedisHealthStore,
  RedisAttemptLog,
  RedisClient,
  RedisEventStore,
  RedisEventTypeStore,
  RedisIdempotencyStore,
  RedisLayer,
  RedisRateLimiter,
  RedisSequenceStore,
  RedisSubscriptionStore
} from "@herald/redis"
import { Fixtures, RedisCluster } from "@herald/testkit"
import {
  ApiKeyStoreSuite,
  HealthStoreSuite,
  AttemptLogSuite,
  EventStoreSuite,
  EventTypeStoreSuite,
  IdempotencyStoreSuite,
  RateLimiterSuite,
  SequenceStoreSuite,
  SubscriptionStoreSuite
} from "@herald/testkit/conformance"

const available = RedisCluster.hasRedisCluster()

describe.skipIf(!available)(`Redis adapters on a Redis Cluster ${available ? "" : "(skipped: needs redis-server and redis-cli)"}`, () => {
  let instance: RedisCluster.RedisClusterInstance | undefined
  /**
   * The seed clients are given: a master that does not serve the prefix's slot,
   * so a client that did not follow the cluster would fail with MOVED.
   */
  let seed = ""
  beforeAll(async () => {
    instance = await RedisCluster.start()
    seed = await instance.urlAwayFrom(instance.prefix)
  }, 60_000)
  afterAll(async () => {
    await instance?.close()
  })
  const current = () => {
    if (instance === undefined) throw new Error("the test Redis Cluster is not started")
    return instance
  }
  const client: Layer.Layer<RedisClient.RedisClient, RedisClient.RedisError> = Layer.unwrapEffect(
    Effect.sync(() => RedisClient.layer({ url: seed, prefix: current().prefix, cluster: true }))
  )

  SubscriptionStoreSuite.suite("RedisSubscriptionStore (cluster)", Layer.provide(RedisSubscriptionStore.layer, client))
  EventStoreSuite.suite("RedisEventStore (cluster)", Layer.provide(RedisEventStore.layer(), client))
  AttemptLogSuite.suite("RedisAttemptLog (cluster)", Layer.provide(RedisAttemptLog.layer(), client))
  ApiKeyStoreSuite.suite("RedisApiKeyStore (cluster)", Layer.provide(RedisApiKeyStore.layer, client))
  EventTypeStoreSuite.suite("RedisEventTypeStore (cluster)", Layer.provide(RedisEventTypeStore.layer, client))
  HealthStoreSuite.suite("RedisHealthStore (cluster)", Layer.provide(RedisHealthStore.layer(), client))
  RateLimiterSuite.suite("RedisRateLimiter (cluster)", Layer.provide(RedisRateLimiter.layer, client))
  IdempotencyStoreSuite.suite("RedisIdempotencyStore (cluster)", Layer.provide(RedisIdempotencyStore.layer, client))
  SequenceStoreSuite.suite("RedisSequenceStore (cluster)", Layer.provide(RedisSequenceStore.layer(), client))

  it.live("the seed does not serve the prefix's slot (a standalone client gets MOVED)", () =>
    Effect.gen(function*() {
      const standalone = yield* Effect.acquireRelease(
        Effect.sync(() => new Redis(seed, { lazyConnect: true })),
        (redis) => Effect.sync(() => redis.disconnect())
      )
      const error = yield* Effect.flip(Effect.tryPromise(() => standalone.get(`${current().prefix}probe`)))
      expect(String(error.cause)).toContain("MOVED")
    }).pipe(Effect.scoped))

  it.live("connects through a Cluster client, seeded from several comma-separated URLs", () =>
    Effect.gen(function*() {
      const { redis } = yield* RedisClient.RedisClient
      expect((redis as unknown) instanceof Cluster).toBe(true)
      expect(yield* Effect.promise(() => redis.ping())).toBe("PONG")
    }).pipe(
      Effect.provide(Layer.unwrapEffect(Effect.sync(() => RedisClient.layer({ url: current().urls, cluster: true }))))
    ))

  it.live("puts every key the stores write in one slot", () =>
    Effect.gen(function*() {
      const teamspace = Fixtures.teamspace("slot")
      const hook = Fixtures.webhook({ teamspace })
      const event = Fixtures.event({ teamspace })
      yield* (yield* SubscriptionStore.SubscriptionStore).insert(hook)
      yield* (yield* EventStore.EventStore).append(event)
      yield* (yield* AttemptLog.AttemptLog).record(
        Fixtures.attempt({ teamspace, webhookId: hook.id, eventId: event.id, time: Date.now() })
      )
      yield* (yield* ApiKeyStore.ApiKeyStore).insert(Fixtures.apiKey({ teamspace }))
      yield* (yield* EventTypeStore.EventTypeStore).insert(Fixtures.eventTypeDefinition({ teamspace }))

      const { prefix, redis } = yield* RedisClient.RedisClient
      const cluster = redis as unknown as Cluster
      // Test-only walk of the keyspace, on every master: where did the keys go?
      const perNode = yield* Effect.promise(() =>
        Promise.all(cluster.nodes("master").map(async (node) => {
          const keys: Array<string> = []
          let cursor = "0"
          do {
            const [next, batch] = await node.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000)
            cursor = next
            keys.push(...batch)
          } while (cursor !== "0")
          return keys
        }))
      )
      const keys = perNode.flat()
      const teamspaceKeys = keys.filter((key) => key.includes(teamspace))
      // A record, an index or two per store at least.
      expect(teamspaceKeys.length).toBeGreaterThanOrEqual(4)
      // All on one master...
      expect(perNode.filter((nodeKeys) => nodeKeys.length > 0)).toHaveLength(1)
      // ...and in one slot, as Redis itself computes it.
      const slots = yield* Effect.promise(() =>
        Promise.all(keys.map((key) => cluster.cluster("KEYSLOT", key) as Promise<number>))
      )
      expect(new Set(slots).size).toBe(1)
      expect(slots[0]).toBe(yield* Effect.promise(() => cluster.cluster("KEYSLOT", prefix) as Promise<number>))
    }).pipe(Effect.provide(Layer.provideMerge(RedisLayer.layer(), client))))

  it("parses a seed list (REDIS_URL with HERALD_REDIS_CLUSTER=true)", () => {
    expect(RedisClient.parseClusterUrls("rediss://u:p%40ss@a:1, rediss://u:p%40ss@b/0")).toEqual({
      nodes: [{ host: "a", port: 1 }, { host: "b", port: 6379 }],
      redisOptions: { username: "u", password: "p@ss", tls: {} }
    })
    expect(() => RedisClient.parseClusterUrls("redis://a:1/2")).toThrow(/database 0/)
    expect(() => RedisClient.parseClusterUrls("redis://a:1,redis://x:y@b:2")).toThrow(/credentials/)
    expect(() => RedisClient.parseClusterUrls(" , ")).toThrow(/no Redis Cluster seed/)
  })
})
