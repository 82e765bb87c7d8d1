/**
 * Redis round trips per publish (issue 20's target: at most 3 for a single
 * publish to one subscription without an `Idempotency-Key`, on the Redis-only
 * path): the built API process alone on a private Redis, every command it
 * sends recorded with `MONITOR` (through `redis-cli`), commands run inside
 * scripts left out, as the bench's round-trip tool counts them. Counts are
 * exact, so they are asserted: the rate limit, the append that reads the
 * fan-out page, and the enqueue; the API key comes from the process's cache,
 * and the fan-out's done-marker is deleted by the next publish's append (the
 * last one's by a DEL of its own, `RedisEventStore.WRITE_BEHIND_MS` later).
 */
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { RedisServer, TestReceiver } from "@herald/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Http from "./support/HeraldHttp.js"
import * as Processes from "./support/Processes.js"

const API_KEY = "round-trips-key-0123456789"
const TEAMSPACE = "round-trips"
const EVENT_TYPE = "batch_prediction.completed"
const PUBLISHES = 20

const { canRun, why } = Processes.prerequisites()

/** `MONITOR` of the server as `redis-cli` prints it; the command names sent by clients (not scripts) so far. */
const monitor = async (port: number) => {
  const child = spawn("redis-cli", ["-p", String(port), "monitor"], { stdio: ["ignore", "pipe", "inherit"] })
  const commands: Array<string> = []
  const lines = createInterface({ input: child.stdout })
  await new Promise<void>((resolve) =>
    lines.on("line", (line) => {
      if (line === "OK") return resolve()
      // 1733430000.123456 [0 127.0.0.1:40001] "evalsha" "..." (a script's own commands say [0 lua])
      const match = /^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line)
      if (match !== null && match[1] !== "lua") commands.push(match[2]!.toLowerCase())
    })
  )
  return { commands, stop: () => child.kill() }
}

describe.skipIf(!canRun)(`Redis round trips per publish (API process, private Redis)${why}`, () => {
  let redis: RedisServer.RedisInstance | undefined
  let receiver: TestReceiver.RunningReceiver | undefined
  let api: Processes.ApiProcess | undefined
  const children = () => [api]

  beforeAll(async () => {
    redis = await RedisServer.startOwned()
    receiver = await TestReceiver.start()
    await Processes.dumpingOnFailure(children, async () => {
      api = await Processes.startApi(
        { redisUrl: redis!.url, tag: Processes.uniqueTag(), retrySchedule: "0s" },
        { apiKey: API_KEY, teamspace: TEAMSPACE }
      )
    })
  }, 120_000)

  afterAll(async () => {
    await Processes.stopAll(children())
    await receiver?.close()
    await redis?.close()
  }, 60_000)

  it(`a single publish to one subscription costs 3 Redis commands, none of them a script's: ${PUBLISHES} publishes, ${3 * PUBLISHES + 1} in all`, () =>
    Processes.dumpingOnFailure(children, async () => {
      await Http.createWebhook(api!.url, API_KEY, receiver!.url, [EVENT_TYPE])
      const publish = (id: string) => Http.publishEvent(api!.url, API_KEY, { id, event_type: EVENT_TYPE, data: { id } })
      // Warm-up: scripts loaded, the key cached, the teamspace's fan-out index complete.
      for (let i = 0; i < 3; i++) await publish(`warm-${i}`)
      await Processes.sleep(500)
      const recorded = await monitor(redis!.port)
      try {
        for (let i = 0; i < PUBLISHES; i++) await publish(`counted-${i}`)
        await Processes.sleep(500)
      } finally {
        recorded.stop()
      }
      const byCommand: Record<string, number> = {}
      for (const command of recorded.commands) byCommand[command] = (byCommand[command] ?? 0) + 1
      // Per publish: the rate limit, the append reading the page, the enqueue (all scripts); then one
      // DEL for the last publish's marker, which no later append carried.
      expect(byCommand).toEqual({ evalsha: 3 * PUBLISHES, del: 1 })
    }), 60_000)
})
