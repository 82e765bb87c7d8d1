/**
 * At least once across a worker crash: an API process and two worker processes
 * on one private Redis; one worker is killed with SIGKILL while deliveries are
 * in flight. Every event must still be acknowledged by the receiver (the
 * survivor takes the dead worker's jobs over once their locks expire).
 * Duplicates are allowed and reported, not asserted.
 *
 * The receiver records a request on arrival, so "arrived" alone would not prove
 * recovery: a delivery the dead worker had already sent counts as arrived even
 * though its job is still held by the dead worker. So just before the kill the
 * receiver stops answering (every delivery in flight then hangs, in both
 * workers), worker A is killed while it holds such deliveries, and the receiver
 * answers 200 again. An event counts as delivered only once the receiver has
 * answered it 200: the events A held can only get there through stall recovery.
 *
 * The processes run with an 8 s lock and a 2 s stalled check
 * (HERALD_QUEUE_LOCK_DURATION, HERALD_QUEUE_STALLED_INTERVAL), so the jobs the
 * dead worker held come back within seconds; the tail wait is generous anyway.
 */
import { type ChildProcesses, PostgresDatabase, RedisCluster, RedisServer, TestReceiver } from "@herald/testkit"
import { verifySignature } from "@herald/verify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Http from "./support/HeraldHttp.js"
import * as Postgres from "./support/Postgres.js"
import * as Processes from "./support/Processes.js"

const EVENTS = 2_000
const KILL_AFTER_REQUESTS = 500
const PUBLISH_CONCURRENCY = 20
const RECEIVER_DELAY_MS = 20
/** Deliveries left hanging before the kill: more than one worker's concurrency, so worker A holds some. */
const HANG_BEFORE_KILL = 30
/** Lock expiry (8 s) plus up to two stalled checks (2 s each), plus wide slack for a slow shared machine. */
const TAIL_TIMEOUT_MS = 90_000
const API_KEY = "crash-recovery-key-0123456789"
const TEAMSPACE = "crash-recovery"
const EVENT_TYPE = "batch_prediction.completed"

const { canRun, why } = Processes.prerequisites()

/**
 * The same flow on one Redis, on a 3-master Redis Cluster (where redis-cli can build one), and on
 * PostgreSQL beside one Redis (where the test server answers).
 */
const topologies = [
  "standalone",
  ...(RedisCluster.hasRedisCluster() ? ["cluster"] : []),
  ...(PostgresDatabase.isAvailable() ? ["PostgreSQL and one"] : [])
] as const

const startRedis = async (
  topology: (typeof topologies)[number]
): Promise<{ readonly url: string; readonly databaseUrl?: string; readonly close: () => Promise<void> }> => {
  if (topology === "standalone") return RedisServer.start()
  if (topology === "cluster") {
    const cluster = await RedisCluster.start()
    return { url: cluster.urls, close: () => cluster.close() }
  }
  return Postgres.startWithRedis()
}

;(canRun ? describe : describe.skip).each(topologies)(`worker crash recovery (multi-process, %s Redis)${why}`, (topology) => {
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined
  let receiver: TestReceiver.RunningReceiver | undefined
  let api: Processes.ApiProcess | undefined
  let workerA: ChildProcesses.Child | undefined
  let workerB: ChildProcesses.Child | undefined
  const children = () => [api, workerA, workerB]

  /** Ids seen by the receiver, in arrival order (with repeats) and distinct. */
  const arrivals: Array<string> = []
  const distinct = new Set<string>()
  /** Ids the receiver answered 200: delivered, as far as the sender can know. */
  const acknowledged = new Set<string>()
  /** While true, requests are recorded but never answered (the deliveries in flight hang). */
  let hanging = false

  beforeAll(async () => {
    redis = await startRedis(topology)
    receiver = await TestReceiver.start({
      respond: async (request) => {
        const id = Http.envelopeId(request.body)
        if (id !== undefined) {
          arrivals.push(id)
          distinct.add(id)
        }
        if (hanging) return TestReceiver.hang
        // A little latency, so that workers always have deliveries in flight.
        await Processes.sleep(RECEIVER_DELAY_MS)
        if (id !== undefined) acknowledged.add(id)
        return TestReceiver.reply(200, { body: "ok" })
      }
    })
    const shared: Processes.Shared = {
      redisUrl: redis.url,
      databaseUrl: redis.databaseUrl,
      cluster: topology === "cluster",
      tag: Processes.uniqueTag(),
      retrySchedule: "0s,200ms,500ms,1s,2s,5s"
    }
    await Processes.dumpingOnFailure(children, async () => {
      api = await Processes.startApi(shared, { apiKey: API_KEY, teamspace: TEAMSPACE })
      // One after the other, so a failed start never leaves an unassigned process behind.
      workerA = await Processes.startWorker("worker-A", shared, { concurrency: 20, deliveryTimeout: "5 seconds" })
      workerB = await Processes.startWorker("worker-B", shared, { concurrency: 20, deliveryTimeout: "5 seconds" })
    })
  }, 120_000)

  afterAll(async () => {
    await Processes.stopAll(children())
    await receiver?.close()
    await redis?.close()
  }, 60_000)

  it(
    "API process + two worker processes on one Redis: every event is received at least once when a worker is killed with SIGKILL mid-stream",
    async () => {
      await Processes.dumpingOnFailure(children, async () => {
        const started = Date.now()
        const webhook = await Http.createWebhook(api!.url, API_KEY, `${receiver!.url}/hook`, [EVENT_TYPE])

        // Once the receiver has seen enough requests, stop answering so deliveries pile up
        // in flight in both workers, kill worker A while it holds some, then answer again.
        let killedAt: number | undefined
        let arrivalsAtHang = 0
        let hungBeforeKill = 0
        const killer = (async () => {
          const reached = await Processes.pollUntil(() => arrivals.length >= KILL_AFTER_REQUESTS, 120_000, 20)
          if (!reached) return
          hanging = true
          arrivalsAtHang = arrivals.length
          // Both workers (20 slots each) fill up with hanging deliveries; bounded in case they do not.
          await Processes.pollUntil(() => arrivals.length - arrivalsAtHang >= HANG_BEFORE_KILL, 15_000, 20)
          hungBeforeKill = arrivals.length - arrivalsAtHang
          await workerA!.kill9()
          killedAt = Date.now()
          hanging = false
        })()

        const ids = Array.from({ length: EVENTS }, (_, n) => `evt_${n}`)
        await Processes.boundedAll(ids, PUBLISH_CONCURRENCY, (id, n) =>
          Http.publishEvent(api!.url, API_KEY, { id, event_type: EVENT_TYPE, data: { n, batch: "crash-recovery" } }))
        const publishedAt = Date.now()
        await killer

        expect(killedAt, "worker A was never killed: the receiver did not reach the kill threshold").toBeDefined()
        expect(workerA!.exitStatus()).toContain("SIGKILL")

        const allAcknowledged = await Processes.pollUntil(() => acknowledged.size >= EVENTS, TAIL_TIMEOUT_MS, 200)
        const doneAt = Date.now()
        const missing = ids.filter((id) => !acknowledged.has(id))
        const requests = receiver!.requests()
        const duplicates = arrivals.length - distinct.size

        console.log(
          [
            `[CrashRecovery] events=${EVENTS} requests=${arrivals.length} distinct=${distinct.size} duplicates=${duplicates}`,
            `  publish took ${publishedAt - started} ms; receiver stopped answering at ${arrivalsAtHang} requests;`,
            `  worker A killed at +${killedAt! - started} ms with ${hungBeforeKill} deliveries hanging (both workers)`,
            `  all acknowledged: ${allAcknowledged}; last one ${doneAt - killedAt!} ms after the kill,`,
            `  ${doneAt - publishedAt} ms after publishing ended; total ${doneAt - started} ms`,
            `  missing ${missing.length}${missing.length > 0 ? `: ${missing.slice(0, 20).join(",")}` : ""}`
          ].join("\n")
        )

        expect(missing).toEqual([])
        expect(distinct.size).toBe(EVENTS)
        // The deliveries left hanging were sent again (B: after its timeout; A: after stall recovery).
        expect(duplicates).toBeGreaterThanOrEqual(hungBeforeKill)
        expect(workerB!.exited(), "the surviving worker must still be running").toBe(false)
        expect(api!.exited(), "the API process must still be running").toBe(false)

        // Every request is a signed Datagrid envelope; check a spread-out sample.
        expect(requests.length).toBeGreaterThanOrEqual(EVENTS)
        const step = Math.max(1, Math.floor(requests.length / 20))
        for (let i = 0; i < requests.length; i += step) {
          const request = requests[i]!
          const result = verifySignature({
            payload: request.body,
            header: request.headers["datagrid-signature"],
            secret: webhook.secret
          })
          expect(result, `signature of request ${i} (${request.body.slice(0, 80)})`).toMatchObject({ ok: true })
          const body = JSON.parse(request.body) as Record<string, unknown>
          expect(body).toMatchObject({ event_type: EVENT_TYPE })
          expect(Object.keys(body).sort()).toEqual(["data", "event_type", "id", "timestamp"])
        }
      })
    },
    240_000
  )
})
