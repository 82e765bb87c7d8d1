/**
 * The PostgreSQL + Redis entry, delivery in the same process, on a private
 * redis-server and a database of this file's own (created, then dropped).
 */
import { PostgresDatabase, RedisServer } from "@herald/testkit"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, it } from "vitest"
import { program } from "../src/postgres.js"
import { expectEveryEventVerified } from "./support/Outcome.js"

const canRun = RedisServer.hasRedisServer() && PostgresDatabase.isAvailable()

describe.skipIf(!canRun)(`PostgreSQL + Redis, delivery in the same process ${PostgresDatabase.skipReason} (and redis-server)`, () => {
  let redis: RedisServer.RedisInstance | undefined
  let database: PostgresDatabase.OwnedDatabase | undefined
  beforeAll(async () => {
    redis = await RedisServer.startOwned()
    database = await PostgresDatabase.createOwned()
  })
  afterAll(async () => {
    await redis?.close()
    await database?.drop()
  })

  it("delivers every published event, verified, to the application's receiver", async () => {
    expectEveryEventVerified(await Effect.runPromise(program(database!.url, redis!.url)))
  }, 60_000)
})
