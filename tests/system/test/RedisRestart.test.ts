/**
 * Redis restarts under pending work: an API process and a worker process on a
 * private Redis with AOF on. Events are published while the receiver fails them
 * (500), so they sit in the queue as delayed retries; Redis is stopped and
 * started again on the same port and directory; the receiver then answers 200.
 * Every event must be delivered with no manual step: both processes reconnect
 * on their own and the delayed retries survive in the AOF. The API must also
 * accept new events after the restart.
 */
import { type ChildProcesses, RedisServer, TestReceiver } from "@herald/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Http from "./support/HeraldHttp.js"
import * as Processes from "./support/Processes.js"

const EVENTS_BEFORE = 200
const EVENTS_AFTER = 20
/** A first try, then retries every 5 s for 75 s: the events outlive the restart as delayed retries. */
const RETRY_SCHEDULE = ["0s", ...Array.from({ length: 15 }, () => "5s")].join(",")
const API_KEY = "redis-restart-key-0123456789"
const TEAMSPACE = "redis-restart"
const EVENT_TYPE = "batch_prediction.completed"

const { canRun, why } = Processes.prerequisites()

describe.skipIf(!canRun)(`Redis restart with deliveries pending (multi-process)${why}`, () => {
  let redis: RedisServer.RedisInstance | undefined
  let receiver: TestReceiver.RunningReceiver | undefined
  let api: Processes.ApiProcess | undefined
  let worker: ChildProcesses.Child | undefined
  const children = () => [api, worker]

  const arrivals: Array<string> = []
  const distinct = new Set<string>()
  /** Ids the receiver answered 200. */
  const acknowledged = new Set<string>()
  let failing = true

  beforeAll(async () => {
    redis = await RedisServer.start({ appendOnly: true })
    receiver = await TestReceiver.start({
      respond: (request) => {
        const id = Http.envelopeId(request.body)
        if (id !== undefined) {
          arrivals.push(id)
          distinct.add(id)
        }
        if (failing) return TestReceiver.reply(500, { body: "not now" })
        if (id !== undefined) acknowledged.add(id)
        return TestReceiver.reply(200, { body: "ok" })
      }
    })
    const shared: Processes.Shared = { redisUrl: redis.url, tag: Processes.uniqueTag(), retrySchedule: RETRY_SCHEDULE }
    await Processes.dumpingOnFailure(children, async () => {
      api = await Processes.startApi(shared, { apiKey: API_KEY, teamspace: TEAMSPACE })
      worker = await Processes.startWorker("worker", shared, { concurrency: 20, deliveryTimeout: "5 seconds" })
    })
  }, 120_000)

  afterAll(async () => {
    await Processes.stopAll(children())
    await receiver?.close()
    await redis?.close()
  }, 60_000)

  it(
    "deliveries pending while Redis restarts (AOF on) are all delivered after it comes back, with no manual step",
    async () => {
      await Processes.dumpingOnFailure(children, async () => {
        const started = Date.now()
        await Http.createWebhook(api!.url, API_KEY, `${receiver!.url}/hook`, [EVENT_TYPE])
        const before = Array.from({ length: EVENTS_BEFORE }, (_, n) => `evt_${n}`)
        await Processes.boundedAll(before, 20, (id, n) =>
          Http.publishEvent(api!.url, API_KEY, { id, event_type: EVENT_TYPE, data: { n, phase: "before" } }))

        // Every event has had its first try refused: they are all delayed retries now.
        const allTried = await Processes.pollUntil(() => distinct.size >= EVENTS_BEFORE, 60_000, 50)
        expect(allTried, `first attempts: ${distinct.size} of ${EVENTS_BEFORE} arrived`).toBe(true)
        expect(acknowledged.size).toBe(0)

        const stoppedAt = Date.now()
        await redis!.stop()
        await Processes.sleep(1_000)
        await redis!.restart()
        const restartedAt = Date.now()
        failing = false

        // Neither process may have died while Redis was away.
        expect(api!.exited(), `api exited: ${api!.exitStatus()}`).toBe(false)
        expect(worker!.exited(), `worker exited: ${worker!.exitStatus()}`).toBe(false)

        // The API takes new events once it has reconnected (its first calls may fail while it does).
        const after = Array.from({ length: EVENTS_AFTER }, (_, n) => `evt_after_${n}`)
        const publishDeadline = Date.now() + 60_000
        for (const [n, id] of after.entries()) {
          for (;;) {
            try {
              await Http.publishEvent(api!.url, API_KEY, { id, event_type: EVENT_TYPE, data: { n, phase: "after" } })
              break
            } catch (error) {
              if (Date.now() > publishDeadline) throw error
              await Processes.sleep(500)
            }
          }
        }

        const all = [...before, ...after]
        const delivered = await Processes.pollUntil(() => all.every((id) => acknowledged.has(id)), 90_000, 200)
        const doneAt = Date.now()
        const missing = all.filter((id) => !acknowledged.has(id))
        console.log(
          [
            `[RedisRestart] events=${all.length} requests=${arrivals.length} distinct=${distinct.size} acknowledged=${acknowledged.size}`,
            `  Redis down for ${restartedAt - stoppedAt} ms; all delivered: ${delivered}, ${doneAt - restartedAt} ms after the restart;`,
            `  total ${doneAt - started} ms; missing ${missing.length}${missing.length > 0 ? `: ${missing.slice(0, 20).join(",")}` : ""}`
          ].join("\n")
        )
        expect(missing).toEqual([])
        expect(api!.exited()).toBe(false)
        expect(worker!.exited()).toBe(false)
      })
    },
    300_000
  )
})
