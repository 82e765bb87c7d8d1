/**
 * Fan-out: one event to F subscriptions (10,000 by default), all on the
 * receiver under distinct paths. Measured from the publish request:
 *
 * - enqueued: when the last of the F delivery jobs was added to the queue. The
 *   publish request enqueues the first chunk and the worker the rest, chunk by
 *   chunk, while it is already delivering, so the queue's length says nothing;
 *   instead the bench reads BullMQ's event stream, where every add leaves an
 *   `added` entry whose stream id is the Redis server's clock (same host, same
 *   wall clock as the bench).
 * - delivered: when the receiver had all F.
 */
import { nowMs } from "../Clock.js"
import { QUEUE_NAME, QUEUE_PREFIX } from "../Herald.js"
import { cpuMeter, round } from "../Proc.js"
import { publisher } from "../Publisher.js"
import { row } from "../Report.js"
import { summarize } from "../Stats.js"
import { type Context, integrity, type ScenarioResult, stackPids, withHerald } from "./Context.js"

const STREAM = `${QUEUE_PREFIX}:${QUEUE_NAME}:events`

/** Follows the queue's event stream from now on, counting delivery jobs added (fan-out steps are not deliveries). */
const followAdds = async (context: Context) => {
  const connection = context.redis.connect()
  const newest = await connection.xrevrange(STREAM, "+", "-", "COUNT", 1)
  let lastId = newest[0]?.[0] ?? "0-0"
  let added = 0
  let lastAddedWallMs = Number.NaN
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const reply = await connection.xread("COUNT", 10_000, "BLOCK", 200, "STREAMS", STREAM, lastId)
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          lastId = id
          const field = (name: string) => fields[fields.indexOf(name) + 1]
          if (field("event") === "added" && !(field("jobId") ?? "").startsWith("fanout@")) {
            added++
            lastAddedWallMs = Number(id.slice(0, id.indexOf("-")))
          }
        }
      }
    }
  })()
  return {
    stop: async () => {
      stopped = true
      await loop
      connection.disconnect()
      return { added, lastAddedWallMs }
    }
  }
}

export const run = (context: Context): Promise<ScenarioResult> =>
  withHerald(context, { worker: true }, async (stack) => {
    const { config, receiver } = context
    const count = config.fanOut
    context.log(`fan-out: creating ${count} subscriptions`)
    const creating = nowMs()
    // The stack's own webhook is one of the F.
    await stack.client.createWebhooks(count - 1, (i) => context.receiver.url(`fan/${i}`), 16)
    const createdPerSecond = ((count - 1) * 1000) / (nowMs() - creating)
    receiver.reset(null)

    context.log(`fan-out: one event to ${count} subscriptions`)
    const load = publisher(stack.api.url, 1)
    const follower = await followAdds(context)
    try {
      const meter = cpuMeter(stackPids(context, stack))
      const startedWallMs = Date.now()
      const startedMs = nowMs()
      const publishMs = await load.publish(0)
      if (Number.isNaN(publishMs)) throw new Error(`fan-out publish failed: ${load.firstError()}`)
      const deliveredAt = await receiver.waitFor(count, 600_000)
      const cpu = meter()
      const { added, lastAddedWallMs } = await follower.stop()
      const stats = await receiver.stats()
      const enqueuedSeconds = added === count ? (lastAddedWallMs - startedWallMs) / 1000 : Number.NaN
      const deliveredSeconds = (deliveredAt - startedMs) / 1000
      context.figures.set("fanout.enqueuedSeconds", enqueuedSeconds)
      context.figures.set("fanout.deliveredSeconds", deliveredSeconds)

      return {
        rows: [
          row({
            scenario: `fan-out to ${count.toLocaleString("en-US")}`,
            metric: "all deliveries enqueued",
            unit: "s",
            herald: enqueuedSeconds,
            target: { op: "<=", value: 1 },
            ...(added === count ? {} : { note: `only ${added} adds seen in the event stream` })
          }),
          row({ scenario: `fan-out to ${count.toLocaleString("en-US")}`, metric: "all deliveries received", unit: "s", herald: deliveredSeconds }),
          row({ scenario: `fan-out to ${count.toLocaleString("en-US")}`, metric: "publish request", unit: "ms", herald: publishMs })
        ],
        details: {
          subscriptions: count,
          subscriptionsCreatedPerSecond: round(createdPerSecond),
          publishRequestMs: round(publishMs, 2),
          addsSeenInStream: added,
          enqueuedSeconds: round(enqueuedSeconds, 3),
          deliveredSeconds: round(deliveredSeconds, 3),
          deliveriesPerSecond: round(count / deliveredSeconds),
          deliveryLatencyMs: summarize(stats.latenciesMs),
          cpuCores: cpu.cores,
          receiver: integrity(stats)
        }
      }
    } finally {
      await follower.stop().catch(() => undefined)
      await load.close()
    }
  })
