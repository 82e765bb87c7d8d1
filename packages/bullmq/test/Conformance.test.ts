// The testkit DeliveryQueue suite against BullMQ on a private Redis, a fresh queue per test.
import { describe, it } from "@effect/vitest"
import { DeliveryQueueSuite } from "@herald/testkit/conformance"
import { available, delayed, freshLayer, useRedis } from "./Redis.js"

if (available) {
  const redis = useRedis()
  DeliveryQueueSuite.suite("BullMQDeliveryQueue", freshLayer(redis), delayed)
} else {
  describe.skip("BullMQDeliveryQueue (skipped: needs redis-server on PATH or REDIS_URL)", () => {
    it("conformance", () => {})
  })
}
