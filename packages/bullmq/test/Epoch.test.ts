// The queue's epoch (DeliveryQueue.epoch): one value for every process on the queue, kept while
// Redis keeps its data, and a new one once Redis has lost it: how the reconciler knows to rebuild
// the queue from the delivery ledger. Deleting the key here stands for a Redis restarted empty.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Redis } from "ioredis"
import { BullMQDeliveryQueue } from "../src/index.js"
import { available, options, useRedis } from "./Redis.js"

describe.skipIf(!available)("BullMQDeliveryQueue epoch (needs redis-server or REDIS_URL)", () => {
  const redis = useRedis()

  it.scoped("is the same for two queues on one Redis and across reads, and new once Redis lost it", () =>
    Effect.gen(function*() {
      const shared = options(redis())
      const first = yield* BullMQDeliveryQueue.make(shared)
      const second = yield* BullMQDeliveryQueue.make(shared)
      const epoch = yield* first.epoch
      expect(epoch).toMatch(/^[0-9a-f-]{36}$/)
      expect(yield* second.epoch).toBe(epoch)
      expect(yield* first.epoch).toBe(epoch)

      const client = new Redis(redis().url)
      yield* Effect.promise(async () => {
        const keys = await client.keys(`${shared.prefix}:${shared.queueName}:herald-epoch`)
        expect(keys).toHaveLength(1)
        await client.del(...keys)
        await client.quit()
      })
      const renewed = yield* second.epoch
      expect(renewed).not.toBe(epoch)
      expect(yield* first.epoch).toBe(renewed)
    }))
})
