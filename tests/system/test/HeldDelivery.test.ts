/**
 * A delivery held open across reconcile passes arrives once, on PostgreSQL +
 * Redis. The reconciler (every second here, `HERALD_RECONCILE_INTERVAL`'s
 * minimum) enqueues again every owed delivery due longer ago than its grace
 * (`Reconciler.graceFor`: twice the interval or the queue's recovery time, 8 s
 * lock + 2 s stalled check, so 10 s). Nothing tells it that the delivery's job
 * is running: what keeps it from being sent twice is that the job id is the
 * delivery's key and BullMQ ignores an add whose id exists, in flight included
 * (a reconciled job also claims its ledger row before sending, but the row of a
 * delivery in flight is still owed, so the claim alone would let it through).
 *
 * One request cannot itself stay open past the grace: the delivery timeout
 * must be shorter than the lock (checked at start), and the grace is at least
 * the lock plus the stalled interval. The grace is counted from the row's due
 * time, though, so a delivery whose job ran late is overdue while in flight:
 * here the event is published with no worker running, the row left to age past
 * the grace, and then a worker started. The receiver holds the request open
 * for 4 s (under the 5 s delivery timeout) and answers 200. Meanwhile each pass
 * finds the row overdue and enqueues it again; the test checks that at least
 * one such pass ran during the hold (the worker logs it), else it would prove
 * nothing. Then: the receiver got exactly one request, the API's attempt
 * listing shows one attempt, successful, and nothing is left owed.
 *
 * The windows this does not cover, in which the reconciler can send a delivery
 * still in flight, are those where the job is gone from Redis while its worker
 * is still sending: Redis losing its data (the epoch changes and the next pass
 * enqueues every owed delivery at once, no grace; the new job's claim finds the
 * row still owed and sends). A worker that keeps sending after losing its
 * job's lock (an event loop blocked past the lock) is sent twice by BullMQ's
 * stalled recovery, not the reconciler, whose enqueue is then a no-op.
 */
import { type ChildProcesses, TestReceiver } from "@herald/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Http from "./support/HeraldHttp.js"
import * as Postgres from "./support/Postgres.js"
import * as Processes from "./support/Processes.js"

/** The reconciler's grace with the shared settings: 8 s lock + 2 s stalled check (over twice the 1 s interval). */
const GRACE_MS = 10_000
/** Under the 5 s delivery timeout the processes share, so the attempt ends in the 200. */
const HOLD_MS = 4_000
/** After the answer, passes that would have sent it again still have time to show. */
const QUIET_MS = 3_000
const API_KEY = "held-delivery-key-0123456789abc"
const TEAMSPACE = "held-delivery"
const EVENT_TYPE = "batch_prediction.completed"
const EVENT_ID = "evt_held"

const { canRun, why } = Processes.prerequisites({ postgres: true })

/** Passes that enqueued at least one owed delivery again, in a stretch of a worker's output. */
const reenqueueingPasses = (output: string): number =>
  [...output.matchAll(/reconciled: .*?(\d+) owed deliveries/g)].filter((match) => Number(match[1]) > 0).length

describe.skipIf(!canRun)(`a delivery held open across reconcile passes, PostgreSQL + Redis (multi-process)${why}`, () => {
  let backends: Postgres.RedisAndDatabase | undefined
  let receiver: TestReceiver.RunningReceiver | undefined
  let api: Processes.ApiProcess | undefined
  let worker: ChildProcesses.Child | undefined
  let shared: Processes.Shared | undefined
  const children = () => [api, worker]

  const arrivals: Array<string> = []
  let answered = 0
  /** The worker's output while the first request was held open. */
  let outputWhileHeld: string | undefined

  beforeAll(async () => {
    backends = await Postgres.startWithRedis()
    receiver = await TestReceiver.start({
      respond: async (request) => {
        arrivals.push(Http.envelopeId(request.body) ?? request.body)
        const first = arrivals.length === 1
        const from = worker?.output().length ?? 0
        await Processes.sleep(HOLD_MS)
        if (first) outputWhileHeld = worker?.output().slice(from)
        answered++
        return TestReceiver.reply(200, { body: "ok" })
      }
    })
    const started: Processes.Shared = {
      redisUrl: backends.url,
      databaseUrl: backends.databaseUrl,
      tag: Processes.uniqueTag(),
      retrySchedule: "0s,1s,1s"
    }
    shared = started
    await Processes.dumpingOnFailure(children, async () => {
      api = await Processes.startApi(started, { apiKey: API_KEY, teamspace: TEAMSPACE })
    })
  }, 120_000)

  afterAll(async () => {
    await Processes.stopAll(children())
    await receiver?.close()
    await backends?.close()
  }, 60_000)

  it(
    "an overdue delivery in flight while passes run is sent once and logged as one successful attempt",
    async () => {
      await Processes.dumpingOnFailure(children, async () => {
        const db = backends!.databaseUrl
        const webhook = await Http.createWebhook(api!.url, API_KEY, `${receiver!.url}/held`, [EVENT_TYPE])
        await Http.publishEvent(api!.url, API_KEY, { id: EVENT_ID, event_type: EVENT_TYPE, data: { held: true } })

        // No worker yet: the owed row ages past the grace, so every pass will find it overdue.
        const overdue = await Processes.pollUntil(
          async () =>
            await Postgres.count(
              db,
              `SELECT count(*) FROM herald_owed_deliveries WHERE due_at < now() - interval '${GRACE_MS} milliseconds'`
            ) === 1,
          60_000,
          200
        )
        expect(overdue, "the delivery's row is owed and overdue before the worker starts").toBe(true)

        worker = await Processes.startWorker("worker", shared!, {
          concurrency: 4,
          env: { HERALD_RECONCILE_INTERVAL: "1s" }
        })
        const delivered = await Processes.pollUntil(() => answered >= 1, 60_000, 50)
        expect(delivered, "the receiver answered the delivery").toBe(true)
        const settled = await Processes.pollUntil(
          async () => await Postgres.count(db, "SELECT count(*) FROM herald_owed_deliveries") === 0,
          30_000,
          200
        )
        await Processes.sleep(QUIET_MS)

        const passesWhileHeld = reenqueueingPasses(outputWhileHeld ?? "")
        const attempts = await Http.listAttempts(api!.url, API_KEY, webhook.id)
        console.log(
          `[HeldDelivery] requests=${arrivals.length}, passes that enqueued it again while it was held: ${passesWhileHeld}, ` +
            `attempts=${JSON.stringify(attempts.map(({ attempt, successful }) => ({ attempt, successful })))}`
        )

        // The window was exercised: passes found the delivery overdue while it was in flight.
        expect(passesWhileHeld, "reconcile passes enqueued the delivery again while it was held open").toBeGreaterThanOrEqual(1)
        expect(arrivals).toEqual([EVENT_ID])
        expect(attempts.map(({ attempt, event_id, response_status_code, successful }) => ({
          attempt,
          event_id,
          response_status_code,
          successful
        }))).toEqual([{ attempt: 1, event_id: EVENT_ID, response_status_code: 200, successful: true }])
        expect(settled, "nothing left owed").toBe(true)
        expect(worker.exited(), "the worker must still be running").toBe(false)
      })
    },
    120_000
  )
})
