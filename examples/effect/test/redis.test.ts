/**
 * The Redis + BullMQ entry, delivery in the same process, on a private
 * redis-server of this file's own.
 */
import { RedisServer } from "@herald/testkit"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, it } from "vitest"
import { program } from "../src/redis.js"
import { expectEveryEventVerified } from "./support/Outcome.js"

const why = RedisServer.hasRedisServer() ? "" : " (skipped: no redis-server binary)"

describe.skipIf(!RedisServer.hasRedisServer())(`Redis + BullMQ, delivery in the same process${why}`, () => {
  let redis: RedisServer.RedisInstance | undefined
  beforeAll(async () => {
    redis = await RedisServer.startOwned()
  })
  afterAll(() => redis?.close())

  it("delivers every published event, verified, to the application's receiver", async () => {
    expectEveryEventVerified(await Effect.runPromise(program(redis!.url)))
  }, 60_000)
})
