// BullMQDeliveryQueue on a 3-master Redis Cluster (`cluster: true`): the
// DeliveryQueue conformance suite, a fresh queue per test, and the property that
// makes BullMQ's scripts valid there: all of a queue's keys live in one slot.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { Cluster } from "ioredis"
import { DeliveryQueue } from "@herald/core"
import { Fixtures, RedisCluster } from "@herald/testkit"
import { DeliveryQueueSuite } from "@herald/testkit/conformance"
import { BullMQDeliveryQueue } from "../src/index.js"
import { delayed, uniqueName } from "./Redis.js"

const available = RedisCluster.hasRedisCluster()

describe.skipIf(!available)(`BullMQDeliveryQueue on a Redis Cluster ${available ? "" : "(skipped: needs redis-server and redis-cli)"}`, () => {
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
  /** The cluster's hash-tagged prefix without BullMQ's separator: `{herald-test-<hex>}`. */
  const prefix = () => current().prefix.replace(/:$/, "")
  const options = (): BullMQDeliveryQueue.Options => ({
    connection: seed,
    cluster: true,
    prefix: prefix(),
    queueName: uniqueName()
  })
  const freshLayer = Layer.unwrapEffect(Effect.sync(() => BullMQDeliveryQueue.layer(options())))

  DeliveryQueueSuite.suite("BullMQDeliveryQueue (cluster)", freshLayer, delayed)

  it.live("keeps all of a queue's keys in one slot", () =>
    Effect.gen(function*() {
      const queue = yield* DeliveryQueue.DeliveryQueue
      const teamspace = Fixtures.teamspace("slot")
      // Delayed, not consumed: the jobs stay in Redis to be looked at.
      yield* queue.enqueue([Fixtures.job({ teamspace }), Fixtures.job({ teamspace })], { delayMs: 60_000 })
      const cluster = yield* Effect.acquireRelease(
        Effect.sync(() => new Cluster(current().nodes.map((node) => ({ ...node })), { lazyConnect: true })),
        (cluster) => Effect.promise(() => cluster.quit())
      )
      // Connected, so `nodes()` lists the masters.
      yield* Effect.promise(() => cluster.connect())
      const perNode = yield* Effect.promise(() =>
        Promise.all(cluster.nodes("master").map(async (node) => {
          const keys: Array<string> = []
          let cursor = "0"
          do {
            const [next, batch] = await node.scan(cursor, "MATCH", `${prefix()}:*`, "COUNT", 1000)
            cursor = next
            keys.push(...batch)
          } while (cursor !== "0")
          return keys
        }))
      )
      const keys = perNode.flat()
      // The delayed set, the job hashes, the id counter, the meta hash, ...
      expect(keys.length).toBeGreaterThanOrEqual(3)
      expect(perNode.filter((nodeKeys) => nodeKeys.length > 0)).toHaveLength(1)
      const slots = yield* Effect.promise(() =>
        Promise.all([prefix(), ...keys].map((key) => cluster.cluster("KEYSLOT", key) as Promise<number>))
      )
      expect(new Set(slots).size).toBe(1)
    }).pipe(Effect.scoped, Effect.provide(freshLayer)))

  it("takes the seed nodes from a comma-separated REDIS_URL (HERALD_REDIS_CLUSTER=true)", () => {
    expect(BullMQDeliveryQueue.clusterSeeds(Redacted.make("redis://a:1,redis://b:2")).nodes).toEqual([
      { host: "a", port: 1 },
      { host: "b", port: 2 }
    ])
  })
})
