/**
 * Memory, at two backlog sizes (B/4 and B, 100,000 by default), each from an
 * empty Redis:
 *
 * 1. With no worker running (the "paused worker": nothing takes jobs), publish
 *    B events of one subscription each through the API. Redis bytes per pending
 *    delivery = the growth of INFO `used_memory` / B. Every key is then weighed
 *    (`MEMORY USAGE`) and grouped, which splits that figure into the event's
 *    payload (stored once per event) and everything else a pending delivery costs.
 * 2. Start the worker and let it drain the backlog into the receiver, sampling
 *    its RSS. The worker's settled RSS (the median over the second half of the
 *    drain: V8 grows its heap for the first tens of seconds under load whatever
 *    the backlog, so a peak compares warm-up, not backlogs) at B against B/4
 *    says whether it grows with the backlog. The drain rate is Herald's
 *    like-for-like figure against the naive worker, which also drains a filled queue.
 * 3. Once drained, what the delivered events keep in Redis: the growth of every
 *    key family since the warm-up, / B, leaving out the rate limiter's log (it
 *    ages out a window after its last request) and BullMQ's event stream (capped
 *    at about 10,000 entries), which are reported on their own.
 *
 * On PG + Redis (the large backlog only, right after the Redis-only run), the
 * same steps, and PostgreSQL's side: bytes per event (`herald_events`'
 * partitions and `herald_event_keys`) and per attempt (`herald_attempts`), and
 * WAL per event published and per delivery made.
 */
import { smallBacklog } from "../Config.js"
import { QUEUE_NAME, QUEUE_PREFIX } from "../Herald.js"
import * as Postgres from "../Postgres.js"
import { cpuMeter, cpuMsPer, round, rssSampler } from "../Proc.js"
import { publisher } from "../Publisher.js"
import { commandStats, memoryByFamily, perDelivery, resetCommandStats, usedMemory } from "../Redis.js"
import { row, type Row } from "../Report.js"
import { percentile } from "../Stats.js"
import { backendLabel, type Context, drainRate, figureKey, integrity, type ScenarioResult, withHerald } from "./Context.js"

const WARMUP_EVENTS = 200
const STORE_PREFIX = "{herald}:"
const QUEUE_KEY_PREFIX = `${QUEUE_PREFIX}:${QUEUE_NAME}:`

/** Which kind of data a key holds: queue job hashes, queue structures, or the store's key type (`evt`, `evt-index`...). */
export const family = (key: string): string => {
  if (key.startsWith(QUEUE_KEY_PREFIX)) {
    const rest = key.slice(QUEUE_KEY_PREFIX.length)
    // Job ids are `<webhook>.<event>` (or `fanout@...`); BullMQ's own keys are words (wait, meta, events, id...).
    if (rest.includes(".") || rest.includes("@")) return rest.includes(":") ? "queue: job extras" : "queue: job hash"
    return `queue: ${rest}`
  }
  if (key.startsWith(STORE_PREFIX)) {
    const rest = key.slice(STORE_PREFIX.length)
    return `store: ${rest.slice(0, rest.indexOf(":") === -1 ? undefined : rest.indexOf(":"))}`
  }
  return "other"
}

const PAYLOAD_FAMILY = "store: evt"
const RATE_LIMIT_FAMILY = "store: ratelimit"
/**
 * BullMQ's event stream: trimmed to about 10,000 entries (BullMQ's default
 * `streams.events.maxLen`, which Herald keeps), so a few megabytes whatever the
 * number of events; divided by N it says more about N than about an event.
 */
const EVENT_STREAM_FAMILY = "queue: events"
/** Families whose size does not grow with the events kept: left out of "kept per event", reported on their own. */
const BOUNDED_FAMILIES = [RATE_LIMIT_FAMILY, EVENT_STREAM_FAMILY]
/** What stays once delivered, for the retention: the event record and its listing index entries. */
const KEPT_FAMILIES = [PAYLOAD_FAMILY, "store: evt-index"]

const MB = 1024 * 1024

/** Herald's tables of what an event keeps (the record, its publisher id) and of the attempt log. */
const EVENT_TABLES = ["herald_events", "herald_event_keys"]
const ATTEMPT_TABLE = "herald_attempts"

/** Bytes and rows of the event and attempt tables, partitions included. */
const tableSizes = async (database: Postgres.PrivateDatabase) => {
  let eventBytes = 0
  for (const table of EVENT_TABLES) eventBytes += await Postgres.tableBytes(database, table)
  return {
    eventBytes,
    events: await Postgres.rowCount(database, "herald_events"),
    attemptBytes: await Postgres.tableBytes(database, ATTEMPT_TABLE),
    attempts: await Postgres.rowCount(database, ATTEMPT_TABLE)
  }
}

/**
 * `used_memory` once it stops falling: BullMQ removes a job just after the
 * receiver has it, so read until two readings a second apart agree within 0.1%
 * (at most 90 s). The rate limiter's log expires as a whole a window after its
 * last request, which this does not wait for; `released` leaves that family out.
 */
const settledUsedMemory = async (client: Parameters<typeof usedMemory>[0]): Promise<number> => {
  let previous = await usedMemory(client)
  for (let i = 0; i < 90; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const current = await usedMemory(client)
    if (Math.abs(current - previous) <= previous * 0.001) return current
    previous = current
  }
  return previous
}

const measureBacklog = (context: Context, backlog: number) =>
  withHerald(context, { worker: false }, async (stack) => {
    const { config, receiver } = context
    const load = publisher(stack.api.url, config.publishConnections)
    try {
      // Warm-up, so that loaded scripts and the API's first allocations are not counted per delivery.
      await load.closedLoop(WARMUP_EVENTS, config.publishConnections)
      const database = stack.database
      const pgPublishMeter = database === undefined ? undefined : await Postgres.windowMeter(database, context.postgres)
      const before = await usedMemory(context.redis.client)
      const beforeFamilies = await memoryByFamily(context.redis.client, family)
      const tablesBefore = database === undefined ? undefined : await tableSizes(database)
      context.log(`memory${backendLabel(context)}: building a backlog of ${backlog} deliveries (no worker running)`)
      const published = await load.closedLoop(backlog, config.publishConnections, WARMUP_EVENTS)
      if (published.errors > 0) throw new Error(`memory: ${published.errors} publishes failed: ${load.firstError()}`)
      const pgPublish = pgPublishMeter === undefined ? undefined : await pgPublishMeter(backlog)
      const after = await usedMemory(context.redis.client)
      const afterFamilies = await memoryByFamily(context.redis.client, family)
      const grown: Record<string, { keys: number; bytesPerDelivery: number }> = {}
      for (const [name, { bytes, keys }] of afterFamilies) {
        const earlier = beforeFamilies.get(name) ?? { bytes: 0, keys: 0 }
        grown[name] = { keys: keys - earlier.keys, bytesPerDelivery: round((bytes - earlier.bytes) / backlog, 1) }
      }
      const totalPerDelivery = (after - before) / backlog
      const payload = grown[PAYLOAD_FAMILY]?.bytesPerDelivery ?? 0
      // The API's rate-limit log holds every request of the last window (60 s), whatever is pending: not a delivery's cost.
      const rateLimitLog = grown[RATE_LIMIT_FAMILY]?.bytesPerDelivery ?? 0
      const queue = Object.entries(grown)
        .filter(([name]) => name.startsWith("queue:"))
        .reduce((sum, [, { bytesPerDelivery }]) => sum + bytesPerDelivery, 0)

      context.log(`memory${backendLabel(context)}: draining ${backlog + WARMUP_EVENTS} deliveries`)
      receiver.reset(stack.webhook.secret)
      await resetCommandStats(context.redis.client)
      const pgDrainMeter = database === undefined ? undefined : await Postgres.windowMeter(database, context.postgres)
      const worker = await stack.startWorker()
      const sample = rssSampler(worker.pid)
      const meter = cpuMeter({ worker: worker.pid, redis: context.redis.pid, receiver: receiver.child.pid })
      await receiver.waitFor(backlog + WARMUP_EVENTS, 900_000)
      const cpu = meter()
      const rss = sample()
      const pgDrain = pgDrainMeter === undefined ? undefined : await pgDrainMeter(backlog + WARMUP_EVENTS)
      // What the deliveries held and gave back is a pending delivery's own cost,
      // weighed family by family: the drain also writes the attempt log (kept for
      // the retention, whether or not anything was pending) and the rate limiter's
      // log ages out meanwhile, so the difference of two totals would mix them in.
      const drained = await settledUsedMemory(context.redis.client)
      const drainedFamilies = await memoryByFamily(context.redis.client, family)
      let released = 0
      for (const [name, { bytes }] of afterFamilies) {
        if (name === RATE_LIMIT_FAMILY) continue
        released += Math.max(0, bytes - (drainedFamilies.get(name)?.bytes ?? 0))
      }
      // What the delivered events keep: every family's growth since the warm-up (the attempt log included), the bounded families apart.
      const kept: Record<string, { keys: number; bytesPerEvent: number }> = {}
      let keptBytes = 0
      for (const [name, { bytes, keys }] of drainedFamilies) {
        const earlier = beforeFamilies.get(name) ?? { bytes: 0, keys: 0 }
        if (keys === earlier.keys && bytes === earlier.bytes) continue
        kept[name] = { keys: keys - earlier.keys, bytesPerEvent: round((bytes - earlier.bytes) / backlog, 1) }
        if (!BOUNDED_FAMILIES.includes(name)) keptBytes += bytes - earlier.bytes
      }
      const eventStreamBytes = drainedFamilies.get(EVENT_STREAM_FAMILY)?.bytes ?? 0
      const tablesAfter = database === undefined ? undefined : await tableSizes(database)
      const postgres = database === undefined || tablesBefore === undefined || tablesAfter === undefined
        ? undefined
        : {
          events: tablesAfter.events - tablesBefore.events,
          attempts: tablesAfter.attempts - tablesBefore.attempts,
          bytesPerEvent: round((tablesAfter.eventBytes - tablesBefore.eventBytes) / (tablesAfter.events - tablesBefore.events), 1),
          bytesPerAttempt: round((tablesAfter.attemptBytes - tablesBefore.attemptBytes) / (tablesAfter.attempts - tablesBefore.attempts), 1),
          tables: { before: tablesBefore, after: tablesAfter },
          publishPerEvent: pgPublish,
          drainPerDelivery: pgDrain
        }
      const commands = perDelivery(await commandStats(context.redis.client), backlog + WARMUP_EVENTS)
      const stats = await receiver.stats()
      return {
        backlog,
        usedMemoryBefore: before,
        usedMemoryAfter: after,
        bytesPerDelivery: round(totalPerDelivery, 1),
        payloadBytesPerDelivery: payload,
        beyondPayloadBytesPerDelivery: round(totalPerDelivery - payload - rateLimitLog, 1),
        usedMemoryDrained: drained,
        /** used_memory's growth from the warm-up to the drained state, / B: whatever Redis still holds, the rate limiter's log included. */
        usedMemoryGrowthDrainedPerEvent: round((drained - before) / backlog, 1),
        keptAfterDrainBytesPerEvent: round(keptBytes / backlog, 1),
        keptAfterDrainByFamily: kept,
        eventStreamBytes,
        releasedBytesPerDelivery: round(released / backlog, 1),
        keptBytesPerEvent: round(
          KEPT_FAMILIES.reduce((sum, name) => sum + (grown[name]?.bytesPerDelivery ?? 0), 0),
          1
        ),
        rateLimitLogBytesPerRequest: rateLimitLog,
        queueBytesPerDelivery: round(queue, 1),
        byFamily: grown,
        publishedPerSecond: round((backlog * 1000) / (published.finishedMs - published.startedMs)),
        drainDeliveriesPerSecond: round(drainRate(stats.receiptsMs)),
        workerRssMb: {
          start: round((rss[0] ?? Number.NaN) / MB, 1),
          peak: round(Math.max(...rss) / MB, 1),
          settled: round(percentile(Float64Array.from(rss.slice(Math.floor(rss.length / 2))).sort(), 50) / MB, 1),
          end: round((rss.at(-1) ?? Number.NaN) / MB, 1),
          samples: rss.length,
          // One sample a second, to see whether it levels off or keeps climbing.
          perSecond: rss.filter((_, i) => i % 5 === 0).map((bytes) => round(bytes / MB))
        },
        cpuCores: cpu.cores,
        cpuMsPerDelivery: {
          worker: round(cpuMsPer(cpu, "worker", backlog + WARMUP_EVENTS), 3),
          redis: round(cpuMsPer(cpu, "redis", backlog + WARMUP_EVENTS), 3)
        },
        redisCallsPerDelivery: commands,
        ...(postgres === undefined ? {} : { postgres }),
        receiver: integrity(stats)
      }
    } finally {
      await load.close()
    }
  })

export const run = async (context: Context): Promise<ScenarioResult> =>
  context.backend === "postgres" ? runOnPostgres(context) : runOnRedis(context)

const runOnRedis = async (context: Context): Promise<ScenarioResult> => {
  const large = context.config.backlog
  const small = smallBacklog(large)
  const atSmall = await measureBacklog(context, small)
  const atLarge = await measureBacklog(context, large)
  const naive = context.figures.get("naive.deliveriesPerSecond")
  const naiveBytes = context.figures.get("naive.bytesPerPendingDelivery")
  const label = `memory @ ${large.toLocaleString("en-US")} backlog`
  const rows: Array<Row> = [
    row({
      scenario: label,
      metric: "Redis bytes per pending delivery (total)",
      unit: "B",
      herald: atLarge.bytesPerDelivery,
      ...(naiveBytes === undefined ? {} : { baseline: { name: "naive job, payload inside", value: naiveBytes } })
    }),
    row({ scenario: label, metric: "... of which the event record (the payload, stored once)", unit: "B", herald: atLarge.payloadBytesPerDelivery }),
    row({ scenario: label, metric: "... of which the BullMQ queue (job hash, wait list, event stream)", unit: "B", herald: atLarge.queueBytesPerDelivery }),
    ...(atLarge.rateLimitLogBytesPerRequest > 0
      ? [row({
        scenario: label,
        metric: "(not counted: the API's rate-limit log, per request of the last window)",
        unit: "B",
        herald: atLarge.rateLimitLogBytesPerRequest
      })]
      : []),
    row({
      scenario: label,
      metric: "... beyond the once-stored payload",
      unit: "B",
      herald: atLarge.beyondPayloadBytesPerDelivery
    }),
    row({
      scenario: label,
      metric: "... of which the event and its listing index entries, kept once delivered",
      unit: "B",
      herald: atLarge.keptBytesPerEvent
    }),
    row({
      scenario: label,
      metric: "Redis bytes per delivered event kept (the attempt log included; bounded families apart)",
      unit: "B",
      herald: atLarge.keptAfterDrainBytesPerEvent
    }),
    row({
      scenario: label,
      metric: "(bounded: BullMQ's event stream, about 10,000 entries whatever the events)",
      unit: "MB",
      herald: atLarge.eventStreamBytes / MB
    }),
    row({
      scenario: label,
      metric: "held by a pending delivery (released once delivered)",
      unit: "B",
      herald: atLarge.releasedBytesPerDelivery,
      target: { op: "<=", value: 512 }
    }),
    row({
      scenario: label,
      metric: `worker settled RSS draining (vs ${small.toLocaleString("en-US")} backlog)`,
      unit: "MB",
      herald: atLarge.workerRssMb.settled,
      baseline: { name: `${small.toLocaleString("en-US")} backlog`, value: atSmall.workerRssMb.settled },
      // "Does not grow with the backlog": four times the backlog may cost at most 20% more RSS (GC timing alone moves it by some).
      target: { op: "<=", value: 1.2, onRatio: true }
    }),
    row({
      scenario: label,
      metric: "drain rate (filled queue, like the naive worker)",
      unit: "/s",
      herald: atLarge.drainDeliveriesPerSecond,
      ...(naive === undefined ? {} : { baseline: { name: "naive", value: naive } })
    })
  ]
  context.figures.set("herald.drainDeliveriesPerSecond", atLarge.drainDeliveriesPerSecond)
  const naiveWorkerMs = context.figures.get("naive.workerCpuMs")
  rows.push(row({
    scenario: label,
    metric: "worker CPU per delivery while draining",
    unit: "ms",
    herald: atLarge.cpuMsPerDelivery.worker,
    ...(naiveWorkerMs === undefined ? {} : { baseline: { name: "naive worker", value: naiveWorkerMs } })
  }))
  context.figures.set("memory.bytesTotal", atLarge.bytesPerDelivery)
  context.figures.set("memory.bytesBeyondPayload", atLarge.beyondPayloadBytesPerDelivery)
  context.figures.set("memory.bytesReleased", atLarge.releasedBytesPerDelivery)
  context.figures.set("memory.rssSmall", atSmall.workerRssMb.settled)
  context.figures.set("memory.rssLarge", atLarge.workerRssMb.settled)
  // The PG + Redis run measures the small backlog: these are its like-for-like figures.
  context.figures.set("memory.small.bytesKeptAfterDrain", atSmall.keptAfterDrainBytesPerEvent)
  context.figures.set("memory.small.bytesTotal", atSmall.bytesPerDelivery)
  context.figures.set("memory.small.bytesReleased", atSmall.releasedBytesPerDelivery)
  context.figures.set("memory.small.drainDeliveriesPerSecond", atSmall.drainDeliveriesPerSecond)
  context.figures.set("memory.small.workerCpuMs", atSmall.cpuMsPerDelivery.worker)
  return { rows, details: { small: atSmall, large: atLarge } }
}

/**
 * PG + Redis: the small backlog only, against the Redis-only run's small
 * backlog (the worker's RSS against the backlog is the Redis-only run's
 * question, and does not depend on where records are kept; per-event bytes need
 * no 100,000 events, and a PG + Redis drain is slower). Redis should keep next
 * to nothing once events are delivered; PostgreSQL's bytes and WAL are reported.
 */
const runOnPostgres = async (context: Context): Promise<ScenarioResult> => {
  const backlog = smallBacklog(context.config.backlog)
  const measured = await measureBacklog(context, backlog)
  const label = `memory @ ${backlog.toLocaleString("en-US")}${backendLabel(context)}`
  const redisOnly = (key: string) => {
    const value = context.figures.get(key)
    return value === undefined ? {} : { baseline: { name: "Redis only", value } }
  }
  const pg = measured.postgres
  const rows: Array<Row> = [
    row({
      scenario: label,
      metric: "Redis bytes per delivered event kept (bounded families apart)",
      unit: "B",
      herald: measured.keptAfterDrainBytesPerEvent,
      ...redisOnly("memory.small.bytesKeptAfterDrain"),
      target: { op: "<", value: 50 }
    }),
    row({
      scenario: label,
      metric: "... used_memory growth once drained / events, bounded families included",
      unit: "B",
      herald: measured.usedMemoryGrowthDrainedPerEvent,
      note: `rate-limit log ${measured.keptAfterDrainByFamily[RATE_LIMIT_FAMILY]?.bytesPerEvent ?? 0} B, event stream ${
        measured.keptAfterDrainByFamily[EVENT_STREAM_FAMILY]?.bytesPerEvent ?? 0
      } B`
    }),
    row({
      scenario: label,
      metric: "Redis bytes per pending delivery (total)",
      unit: "B",
      herald: measured.bytesPerDelivery,
      ...redisOnly("memory.small.bytesTotal")
    }),
    row({
      scenario: label,
      metric: "held by a pending delivery (released once delivered)",
      unit: "B",
      herald: measured.releasedBytesPerDelivery,
      ...redisOnly("memory.small.bytesReleased")
    }),
    ...(pg === undefined ? [] : [
      row({ scenario: label, metric: "PostgreSQL bytes per event (herald_events' partitions + herald_event_keys)", unit: "B", herald: pg.bytesPerEvent }),
      row({ scenario: label, metric: "PostgreSQL bytes per attempt (herald_attempts)", unit: "B", herald: pg.bytesPerAttempt }),
      ...walRows(label, "publish", pg.publishPerEvent),
      ...walRows(label, "delivery", pg.drainPerDelivery)
    ]),
    row({
      scenario: label,
      metric: "drain rate (filled queue, like the naive worker)",
      unit: "/s",
      herald: measured.drainDeliveriesPerSecond,
      ...redisOnly("memory.small.drainDeliveriesPerSecond")
    }),
    row({
      scenario: label,
      metric: "worker CPU per delivery while draining",
      unit: "ms",
      herald: measured.cpuMsPerDelivery.worker,
      ...redisOnly("memory.small.workerCpuMs")
    })
  ]
  context.figures.set(figureKey(context, "memory.bytesKeptAfterDrain"), measured.keptAfterDrainBytesPerEvent)
  context.figures.set(figureKey(context, "herald.drainDeliveriesPerSecond"), measured.drainDeliveriesPerSecond)
  return { rows, details: { large: measured } }
}

/** WAL and PostgreSQL CPU per publish or per delivery: this database's records where the WAL could be read, else the server-wide difference. */
const walRows = (scenario: string, what: "publish" | "delivery", figures: Postgres.WindowFigures | undefined): Array<Row> =>
  figures === undefined ? [] : [
    figures.walBytes === undefined
      ? row({ scenario, metric: `WAL per ${what} (server-wide LSN difference)`, unit: "B", herald: figures.serverWalBytes })
      : row({
        scenario,
        metric: `WAL per ${what} (this database's records; of which full-page images)`,
        unit: "B",
        herald: figures.walBytes,
        note: `FPI ${Math.round(figures.walFullPageImageBytes ?? Number.NaN)} B; server-wide ${Math.round(figures.serverWalBytes)} B`
      }),
    row({ scenario, metric: `PostgreSQL backends' CPU per ${what}`, unit: "ms", herald: figures.backendCpuMs })
  ]
