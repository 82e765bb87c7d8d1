// One private Redis per test file (see @herald/testkit RedisServer): started in
// beforeAll, closed in afterAll. Layers read the instance lazily, because the
// suites build their layer per test, after beforeAll has run.
import { afterAll, beforeAll } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { RedisServer } from "@herald/testkit"
import { RedisClient } from "@herald/redis"

/** Whether any Redis is reachable: a local redis-server binary or REDIS_URL. */
export const available = RedisServer.hasRedisServer() || (process.env["REDIS_URL"] ?? "") !== ""

export const skipReason = "(needs redis-server or REDIS_URL)"

/** Registers the server hooks and returns accessors for the running instance. */
export const useRedis = () => {
  let instance: RedisServer.RedisInstance | undefined
  beforeAll(async () => {
    instance = await RedisServer.start()
  })
  afterAll(async () => {
    await instance?.close()
  })
  const current = () => {
    if (instance === undefined) throw new Error("the test Redis is not started")
    return instance
  }
  /** A RedisClient on the private server, under its unique prefix (hash-tagged, as in production). */
  const client: Layer.Layer<RedisClient.RedisClient, RedisClient.RedisError> = Layer.unwrapEffect(
    Effect.sync(() => {
      const redis = current()
      return RedisClient.layer({ url: redis.url, prefix: `{${redis.prefix}}` })
    })
  )
  return { current, client }
}
