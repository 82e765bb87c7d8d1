/**
 * The worker process's configuration contract, on the built entry point
 * (`apps/worker/dist/main.js`; turbo builds it before this workspace's tests).
 */
import { spawnSync } from "node:child_process"
import { RedisServer } from "@herald/testkit"
import { describe, expect, it, onTestFinished } from "vitest"
import { pollUntil, startWorker, uniqueTag, workerMain as main } from "./support/Processes.js"

const run = (env: Record<string, string>) => {
  const { PATH, HOME } = process.env
  const result = spawnSync(process.execPath, [main], {
    env: { PATH: PATH ?? "", HOME: HOME ?? "", ...env },
    encoding: "utf8",
    timeout: 20_000
  })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

describe("worker startup", () => {
  it("refuses to start without REDIS_URL and names the variable", () => {
    const { status, output } = run({})
    expect(status).not.toBe(0)
    expect(output).toContain("REDIS_URL is not set: the worker delivers from the queue on Redis")
  })

  it("names a malformed HERALD_RETRY_SCHEDULE", () => {
    const { status, output } = run({ REDIS_URL: "redis://127.0.0.1:1", HERALD_RETRY_SCHEDULE: "soon" })
    expect(status).not.toBe(0)
    expect(output).toContain("HERALD_RETRY_SCHEDULE")
  })

  it.skipIf(!RedisServer.hasRedisServer())("says it stopped after SIGTERM, once its work in flight is done, and exits 0 (needs redis-server)", async () => {
    const redis = await RedisServer.start()
    try {
      const worker = await startWorker("worker", { redisUrl: redis.url, tag: uniqueTag(), retrySchedule: "0s" })
      await worker.stop()
      expect(worker.exitStatus()).toBe("code=0 signal=null")
      expect(worker.output()).toContain("Herald worker stopped: deliveries in flight finished")
    } finally {
      await redis.close()
    }
  })

  it.skipIf(!RedisServer.hasRedisServer())("stops on one SIGTERM while Redis is down, saying its drain was cut short, and exits 0 (needs redis-server)", async () => {
    // Its own server, which the test stops. Cleaned up even when the test times out (a worker that hangs).
    const redis = await RedisServer.startOwned()
    onTestFinished(() => redis.close())
    const worker = await startWorker("worker", { redisUrl: redis.url, tag: uniqueTag(), retrySchedule: "0s" }, {
      env: { HERALD_QUEUE_DRAIN_TIMEOUT: "1s" }
    })
    onTestFinished(() => worker.kill9())
    await redis.stop()
    // Once it tried to reconnect (before, its close may still find its connections as they were).
    await worker.waitForOutput("BullMQ worker error", 20_000)
    worker.signal("SIGTERM")
    // One signal: before the fix the worker stayed up until a second one (the test's timeout is the guard).
    await worker.whenExited()
    expect(worker.exitStatus()).toBe("code=0 signal=null")
    // 'exit' may come before the last of the output has been read.
    await pollUntil(() => worker.output().includes("Herald worker stopped"), 5_000)
    expect(worker.output()).toContain("stopping the delivery worker took longer than 1s")
    expect(worker.output()).toContain("Herald worker stopped")
  })
})
