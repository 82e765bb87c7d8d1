/**
 * Test helpers: one private Redis per test file, and a fresh queue name per
 * layer build, so tests never see each other's jobs.
 */
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { DeliveryQueue } from "@herald/core"
import { RedisServer } from "@herald/testkit"
import { BullMQDeliveryQueue } from "../src/index.js"

/** Whether Redis tests can run here at all. */
export const available = RedisServer.hasRedisServer() || (process.env["REDIS_URL"] ?? "") !== ""

/** Starts a private Redis for the calling file; `redis()` reads it inside tests. */
export const useRedis = (): (() => RedisServer.RedisInstance) => {
  let instance: RedisServer.RedisInstance | undefined
  beforeAll(async () => {
    instance = await RedisServer.start()
  })
  afterAll(async () => {
    await instance?.close()
  })
  return () => {
    if (instance === undefined) throw new Error("Redis is not started yet")
    return instance
  }
}

export const uniqueName = (label = "q") => `${label}-${randomBytes(4).toString("hex")}`

/** Options for a queue of its own on the file's Redis. */
export const options = (
  redis: RedisServer.RedisInstance,
  extra: Partial<BullMQDeliveryQueue.Options> = {}
): BullMQDeliveryQueue.Options => ({
  connection: redis.url,
  prefix: `{${redis.prefix.replace(/:$/, "")}}`,
  queueName: uniqueName(),
  ...extra
})

/** A layer that builds a fresh queue (new name) every time it is provided. */
export const freshLayer = (
  redis: () => RedisServer.RedisInstance,
  extra: Partial<BullMQDeliveryQueue.Options> = {}
): Layer.Layer<DeliveryQueue.DeliveryQueue | BullMQDeliveryQueue.BullMQDeliveryQueue> =>
  Layer.unwrapEffect(Effect.sync(() => BullMQDeliveryQueue.layer(options(redis(), extra))))

/** Jobs waiting for their delay, for the conformance suite. */
export const delayed = Effect.flatMap(BullMQDeliveryQueue.BullMQDeliveryQueue, (queue) => Effect.map(queue.size, (size) => size.delayed))
