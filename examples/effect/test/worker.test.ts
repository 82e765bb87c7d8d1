/**
 * The application and a separate delivery worker on one private redis-server:
 * the worker runs as a child process from its build (`node dist/worker.js`, as
 * README says to run it; turbo builds this package before its tests), the
 * application (`publisher.ts`) runs here and has no delivery loop of its own.
 */
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { ChildProcesses, RedisServer } from "@herald/testkit"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest"
import { program } from "../src/publisher.js"
import { stoppedMessage } from "../src/worker.js"
import { expectEveryEventVerified } from "./support/Outcome.js"

const workerMain = fileURLToPath(new URL("../dist/worker.js", import.meta.url))
const canRun = RedisServer.hasRedisServer() && existsSync(workerMain)
const why = !RedisServer.hasRedisServer()
  ? " (skipped: no redis-server binary)"
  : !existsSync(workerMain)
  ? " (skipped: not built, run npx turbo run build --filter=@herald/example-effect...)"
  : ""

describe.skipIf(!canRun)(`Redis + BullMQ, delivery in a separate worker process${why}`, () => {
  let redis: RedisServer.RedisInstance | undefined
  let worker: ChildProcesses.Child | undefined
  beforeAll(async () => {
    redis = await RedisServer.startOwned()
    worker = ChildProcesses.spawnNode(workerMain, { name: "worker", env: { REDIS_URL: redis.url } })
  })
  afterAll(async () => {
    await ChildProcesses.stopAll([worker])
    await redis?.close()
  })

  it("delivers every event the application publishes, verified, then stops on SIGTERM after its work", async () => {
    onTestFailed(() => console.log(`----- worker output -----\n${worker?.tail()}`))
    await worker!.waitForOutput("delivery worker started")
    expectEveryEventVerified(await Effect.runPromise(program(redis!.url)))
    await worker!.stop()
    expect(worker!.exitStatus()).toBe("code=0 signal=null")
    expect(worker!.output()).toContain(stoppedMessage)
  }, 60_000)
})
