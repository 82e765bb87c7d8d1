/**
 * Redis lost, PostgreSQL kept: an API process and a worker process on PostgreSQL
 * + a private Redis WITHOUT persistence. Events are published to a plain and an
 * ordered webhook while the receiver fails them (500), so they sit in the queue
 * as delayed retries, and ordered ones wait behind their head; then Redis is
 * stopped and started again empty: every job is gone. While it is down, one
 * more event is published (its enqueue cannot succeed): no client retries it.
 *
 * PostgreSQL records what is owed, so the workers' reconciler, seeing the
 * queue's epoch change, puts every owed delivery back: every event is delivered,
 * the ordered webhook's in the order published, with no manual step and no
 * client retry (Svix issue 1844 and Convoy issue 1667 are the failures this
 * guards against). The API then takes new events as before.
 *
 * The reconciler runs every second here (HERALD_RECONCILE_INTERVAL); its grace
 * is the queue's recovery time (8 s lock + 2 s stalled check).
 */
import { type ChildProcesses, PostgresDatabase, RedisServer, TestReceiver } from "@herald/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Http from "./support/HeraldHttp.js"
import * as Processes from "./support/Processes.js"

const EVENTS_BEFORE = 100
const EVENTS_AFTER = 10
/** A first try, then retries every 5 s for a few minutes: the events outlive the loss as owed retries. */
const RETRY_SCHEDULE = ["0s", ...Array.from({ length: 40 }, () => "5s")].join(",")
const API_KEY = "redis-loss-key-0123456789abcdef"
const TEAMSPACE = "redis-loss"
const EVENT_TYPE = "batch_prediction.completed"

const { canRun, why } = Processes.prerequisites({ postgres: true })

describe.skipIf(!canRun)(`Redis restarted empty, PostgreSQL kept (multi-process)${why}`, () => {
  let redis: RedisServer.RedisInstance | undefined
  let database: PostgresDatabase.OwnedDatabase | undefined
  let receiver: TestReceiver.RunningReceiver | undefined
  let api: Processes.ApiProcess | undefined
  let worker: ChildProcesses.Child | undefined
  const children = () => [api, worker]

  /** Ids each path received, in arrival order (with repeats), and those answered 200. */
  const arrivals = new Map<string, Array<string>>([["/plain", []], ["/ordered", []]])
  const acknowledged = new Map<string, Set<string>>([["/plain", new Set()], ["/ordered", new Set()]])
  /** The ordered webhook's ids in the order the receiver answered them 200. */
  const orderedDelivered: Array<string> = []
  let failing = true

  beforeAll(async () => {
    // No AOF: a restart loses everything Redis held.
    redis = await RedisServer.startOwned()
    database = await PostgresDatabase.createOwned()
    receiver = await TestReceiver.start({
      respond: (request) => {
        const id = Http.envelopeId(request.body)
        const path = request.path
        if (id !== undefined) arrivals.get(path)?.push(id)
        if (failing) return TestReceiver.reply(500, { body: "not now" })
        if (id !== undefined && !acknowledged.get(path)?.has(id)) {
          acknowledged.get(path)?.add(id)
          if (path === "/ordered") orderedDelivered.push(id)
        }
        return TestReceiver.reply(200, { body: "ok" })
      }
    })
    const shared: Processes.Shared = {
      redisUrl: redis.url,
      databaseUrl: database.url,
      tag: Processes.uniqueTag(),
      retrySchedule: RETRY_SCHEDULE
    }
    await Processes.dumpingOnFailure(children, async () => {
      api = await Processes.startApi(shared, { apiKey: API_KEY, teamspace: TEAMSPACE })
      worker = await Processes.startWorker("worker", shared, {
        concurrency: 20,
        deliveryTimeout: "5 seconds",
        env: { HERALD_RECONCILE_INTERVAL: "1s" }
      })
    })
  }, 120_000)

  afterAll(async () => {
    await Processes.stopAll(children())
    await receiver?.close()
    await redis?.close()
    await database?.drop()
  }, 60_000)

  it(
    "every accepted event is delivered after Redis comes back empty, ordered ones in order, with no client retry",
    async () => {
      await Processes.dumpingOnFailure(children, async () => {
        await Http.createWebhook(api!.url, API_KEY, `${receiver!.url}/plain`, [EVENT_TYPE])
        await Http.createWebhook(api!.url, API_KEY, `${receiver!.url}/ordered`, [EVENT_TYPE], { ordered: true })
        const before = Array.from({ length: EVENTS_BEFORE }, (_, n) => `evt_${String(n).padStart(3, "0")}`)
        // One at a time: the ordered webhook's order is the order of the publishes.
        for (const [n, id] of before.entries()) {
          await Http.publishEvent(api!.url, API_KEY, { id, event_type: EVENT_TYPE, data: { n, phase: "before" } })
        }

        // Every plain delivery has had its first try refused: they are delayed retries now. The
        // ordered webhook's head has been tried; the rest wait behind it.
        const allTried = await Processes.pollUntil(
          () => new Set(arrivals.get("/plain")).size >= EVENTS_BEFORE && arrivals.get("/ordered")!.length > 0,
          60_000,
          50
        )
        expect(allTried, `first attempts: ${new Set(arrivals.get("/plain")).size} of ${EVENTS_BEFORE}`).toBe(true)

        await redis!.stop()
        // Published while Redis is down: stored in PostgreSQL, its enqueue cannot happen. Whatever
        // the API answers (an error, or a late 202), the client does not try again.
        const during = "evt_during"
        const duringPublish = Http.publishEvent(api!.url, API_KEY, { id: during, event_type: EVENT_TYPE, data: { phase: "during" } })
          .then(() => "accepted", (error: unknown) => `refused: ${String(error)}`)
        await Processes.sleep(1_000)
        await redis!.restart()
        failing = false
        console.log(`[RedisLoss] the publish during the loss: ${await duringPublish}`)

        expect(api!.exited(), `api exited: ${api!.exitStatus()}`).toBe(false)
        expect(worker!.exited(), `worker exited: ${worker!.exitStatus()}`).toBe(false)

        // New events are taken once the API has reconnected (its first calls may fail while it does).
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

        const all = [...before, during, ...after]
        const delivered = await Processes.pollUntil(
          () => ["/plain", "/ordered"].every((path) => all.every((id) => acknowledged.get(path)!.has(id))),
          120_000,
          200
        )
        const missing = (path: string) => all.filter((id) => !acknowledged.get(path)!.has(id))
        console.log(
          `[RedisLoss] delivered: ${delivered}; plain missing ${missing("/plain").length}, ordered missing ${
            missing("/ordered").length
          }; requests plain=${arrivals.get("/plain")!.length} ordered=${arrivals.get("/ordered")!.length}`
        )
        expect(missing("/plain")).toEqual([])
        expect(missing("/ordered")).toEqual([])
        // The events published before the loss reached the ordered webhook in the order published.
        expect(orderedDelivered.filter((id) => before.includes(id))).toEqual(before)
      })
    },
    300_000
  )
})
