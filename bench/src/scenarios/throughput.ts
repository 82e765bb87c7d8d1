/**
 * End-to-end throughput: N events published through the HTTP API as fast as it
 * takes them (closed loop, one subscription each), delivered by one worker
 * process to the receiver. Deliveries/s are counted at the receiver over the
 * middle 80% of receipts.
 *
 * On Redis, Herald is set against the naive pipeline (`NaivePipeline`: a
 * Fastify endpoint and a BullMQ worker, what a user would write instead),
 * loaded and measured the same way: the two alternate in pairs whose order flips
 * from one pair to the next (naive first in the first pair), each run in fresh
 * processes on an emptied Redis. The rows give each side's median, and for the
 * two targets (deliveries/s, total CPU per event) the median of the pairs'
 * ratios, every pair's ratio in the note. The worker baselines, which drain a
 * queue filled beforehand, are set beside Herald's figure for information only:
 * they do not publish, so they are not like for like.
 *
 * On PG + Redis one Herald run is set against the Redis-only figures, and
 * PostgreSQL's side is measured as well: its backends' CPU, the WAL written
 * and the rows written per event (`Postgres.windowMeter`).
 */
import { order, pairRatios, sideMedian } from "../Alternation.js"
import * as Postgres from "../Postgres.js"
import { round } from "../Proc.js"
import { publisher } from "../Publisher.js"
import { commandStats, perDelivery, resetCommandStats } from "../Redis.js"
import { row, type Row } from "../Report.js"
import { summarize } from "../Stats.js"
import {
  backendLabel,
  type Context,
  figureKey,
  integrity,
  type ScenarioResult,
  sustainedRate,
  withHerald
} from "./Context.js"
import { measure, warmUp } from "./EndToEnd.js"
import * as NaivePipeline from "./NaivePipeline.js"

/** Herald's processes whose CPU a publish-to-delivery costs. */
const heraldProcesses = ["api", "worker", "redis"] as const

interface HeraldRun {
  readonly deliveriesPerSecond: number
  readonly cpuMs: (name: string) => number
  readonly pg: Postgres.WindowFigures | undefined
  readonly details: Record<string, unknown>
}

/** One Herald run: fresh API and worker, warm-up, then `config.events` events. */
const heraldOnce = (context: Context): Promise<HeraldRun> =>
  withHerald(context, { worker: true }, async (stack) => {
    const { config } = context
    const load = publisher(stack.api.url, config.publishConnections)
    try {
      await warmUp(context, stack, load)
      context.log(`end-to-end: ${config.events} events through Herald's API`)
      await resetCommandStats(context.redis.client)
      const pgMeter = stack.database === undefined ? undefined : await Postgres.windowMeter(stack.database, context.postgres)
      const { cpu, cpuMs, lastAt, published, stats } = await measure(context, stack, load, config.events)
      const commands = perDelivery(await commandStats(context.redis.client), config.events)
      const pg = pgMeter === undefined ? undefined : await pgMeter(stats.count)
      const sustained = sustainedRate(stats.receiptsMs)
      const publishRate = (published.latenciesMs.length * 1000) / (published.finishedMs - published.startedMs)
      return {
        deliveriesPerSecond: sustained,
        cpuMs,
        pg,
        details: {
          events: config.events,
          publishConnections: config.publishConnections,
          concurrency: config.concurrency,
          sustainedDeliveriesPerSecond: round(sustained),
          overallDeliveriesPerSecond: round((stats.count * 1000) / (lastAt - published.startedMs)),
          publishedPerSecond: round(publishRate),
          publishErrors: published.errors,
          firstPublishError: load.firstError() ?? null,
          publishLatencyMs: summarize(published.latenciesMs),
          deliveryLatencyMs: summarize(stats.latenciesMs),
          cpuCores: cpu.cores,
          cpuMsPerEvent: Object.fromEntries(Object.keys(cpu.cores).map((name) => [name, round(cpuMs(name), 4)])),
          // Publish and delivery together: every Redis call the API and the worker made, per event.
          redisCallsPerDelivery: commands,
          ...(pg === undefined ? {} : { postgresPerEvent: pg }),
          receiver: integrity(stats)
        }
      }
    } finally {
      await load.close()
    }
  })

export const run = (context: Context): Promise<ScenarioResult> =>
  context.backend === "postgres" ? runOnPostgres(context) : runOnRedis(context)

const runOnPostgres = async (context: Context): Promise<ScenarioResult> => {
  const herald = await heraldOnce(context)
  context.figures.set(figureKey(context, "herald.e2eDeliveriesPerSecond"), herald.deliveriesPerSecond)
  for (const name of heraldProcesses) context.figures.set(figureKey(context, `e2e.${name}CpuMs`), herald.cpuMs(name))
  return { rows: postgresRows(context, herald.deliveriesPerSecond, herald.cpuMs, herald.pg!), details: herald.details }
}

type Side = "herald" | "naive"

interface PairedRun {
  readonly side: Side
  readonly deliveriesPerSecond: number
  /** CPU ms per event: API (or the naive endpoint), worker, Redis, and their total. */
  readonly front: number
  readonly worker: number
  readonly redis: number
  readonly total: number
  readonly details: Record<string, unknown>
}

const runRedisSide = async (context: Context, side: Side): Promise<PairedRun> => {
  if (side === "naive") {
    context.log(`end-to-end: ${context.config.events} events through the naive pipeline (Fastify + BullMQ)`)
    const naive = await NaivePipeline.runOnce(context, context.config.events)
    const cpu = (name: string) => naive.cpuMsPerEvent[name] ?? Number.NaN
    return {
      side,
      deliveriesPerSecond: naive.deliveriesPerSecond,
      front: cpu("endpoint"),
      worker: cpu("worker"),
      redis: cpu("redis"),
      total: naive.totalCpuMs,
      details: naive.details
    }
  }
  const herald = await heraldOnce(context)
  return {
    side,
    deliveriesPerSecond: herald.deliveriesPerSecond,
    front: herald.cpuMs("api"),
    worker: herald.cpuMs("worker"),
    redis: herald.cpuMs("redis"),
    total: heraldProcesses.reduce((total, name) => total + herald.cpuMs(name), 0),
    details: herald.details
  }
}

const runOnRedis = async (context: Context): Promise<ScenarioResult> => {
  const { config } = context
  const runs: Array<PairedRun> = []
  const sides = order<Side>(config.e2ePairs, "naive", "herald")
  for (const [index, side] of sides.entries()) {
    const measured = await runRedisSide(context, side)
    runs.push(measured)
    context.log(
      `${side} (${index + 1} of ${sides.length}): ${Math.round(measured.deliveriesPerSecond)} deliveries/s, CPU per event ${
        measured.total.toFixed(3)
      } ms (front ${measured.front.toFixed(3)}, worker ${measured.worker.toFixed(3)}, Redis ${measured.redis.toFixed(3)})`
    )
  }
  const median = (side: Side, value: (run: PairedRun) => number) => sideMedian(runs, side, value)
  const ratios = (value: (run: PairedRun) => number) => pairRatios(runs, "herald", value)
  const byPair = (values: ReadonlyArray<number>) => `Herald/naive by pair: ${values.map((value) => value.toFixed(3)).join(", ")}`
  const rate = (run: PairedRun) => run.deliveriesPerSecond
  const total = (run: PairedRun) => run.total

  const sustained = median("herald", rate)
  const naiveRate = median("naive", rate)
  context.figures.set("herald.e2eDeliveriesPerSecond", sustained)
  context.figures.set("naivePipeline.deliveriesPerSecond", naiveRate)
  context.figures.set("e2e.apiCpuMs", median("herald", (run) => run.front))
  context.figures.set("e2e.workerCpuMs", median("herald", (run) => run.worker))
  context.figures.set("e2e.redisCpuMs", median("herald", (run) => run.redis))
  context.figures.set("e2e.totalCpuMs", median("herald", total))
  context.figures.set("naivePipeline.endpointCpuMs", median("naive", (run) => run.front))
  context.figures.set("naivePipeline.workerCpuMs", median("naive", (run) => run.worker))
  context.figures.set("naivePipeline.redisCpuMs", median("naive", (run) => run.redis))
  context.figures.set("naivePipeline.totalCpuMs", median("naive", total))

  const drainNaive = context.figures.get("naive.deliveriesPerSecond")
  const noop = context.figures.get("noop.jobsPerSecond")
  const naiveWorkerMs = context.figures.get("naive.workerCpuMs")
  const scenario = "end-to-end"
  const runsLabel = config.e2ePairs === 1 ? "" : `, medians of ${config.e2ePairs}`
  const cpuRow = (metric: string, value: (run: PairedRun) => number, baselineName: string) =>
    row({
      scenario,
      metric: `${metric}${runsLabel}`,
      unit: "ms",
      herald: median("herald", value),
      baseline: { name: baselineName, value: median("naive", value) }
    })
  const rows: Array<Row> = [
    row({
      scenario,
      metric: `deliveries/s sustained (publish + deliver)${runsLabel}; ratio: median of pairs`,
      unit: "/s",
      herald: sustained,
      baseline: { name: "naive pipeline", value: naiveRate },
      ratio: summarize(ratios(rate)).p50,
      target: { op: ">=", value: 1, onRatio: true },
      note: byPair(ratios(rate))
    }),
    row({
      scenario,
      metric: `total CPU per event (API + worker + Redis)${runsLabel}; ratio: median of pairs`,
      unit: "ms",
      herald: median("herald", total),
      baseline: { name: "naive pipeline: endpoint + worker + Redis", value: median("naive", total) },
      ratio: summarize(ratios(total)).p50,
      target: { op: "<=", value: 1, onRatio: true },
      note: byPair(ratios(total))
    }),
    cpuRow("API CPU per publish", (run) => run.front, "naive pipeline's Fastify endpoint"),
    cpuRow("worker CPU per delivery", (run) => run.worker, "naive pipeline's worker"),
    cpuRow("Redis CPU per event (publish + delivery)", (run) => run.redis, "naive pipeline's Redis"),
    // Information only: the worker baselines drain a queue filled beforehand, Herald also publishes.
    ...(drainNaive === undefined ? [] : [
      row({
        scenario,
        metric: "deliveries/s vs the naive worker draining a filled queue (not like for like)",
        unit: "/s",
        herald: sustained,
        baseline: { name: "naive worker, drain", value: drainNaive }
      })
    ]),
    ...(naiveWorkerMs === undefined ? [] : [
      row({
        scenario,
        metric: "worker CPU per delivery vs the naive worker draining",
        unit: "ms",
        herald: median("herald", (run) => run.worker),
        baseline: { name: "naive worker, drain", value: naiveWorkerMs }
      })
    ]),
    ...(noop === undefined ? [] : [
      row({
        scenario,
        metric: "deliveries/s vs no-op BullMQ draining",
        unit: "/s",
        herald: sustained,
        baseline: { name: "no-op", value: noop }
      })
    ])
  ]
  return {
    rows,
    details: {
      pairs: config.e2ePairs,
      order: sides,
      ratioByPair: { deliveriesPerSecond: ratios(rate).map((ratio) => round(ratio, 4)), totalCpuMs: ratios(total).map((ratio) => round(ratio, 4)) },
      runs: runs.map((run) => ({
        side: run.side,
        deliveriesPerSecond: round(run.deliveriesPerSecond),
        cpuMsPerEvent: { front: round(run.front, 4), worker: round(run.worker, 4), redis: round(run.redis, 4), total: round(run.total, 4) },
        ...run.details
      }))
    }
  }
}

/** The PG + Redis run's rows, each beside the Redis-only run's figure when that ran. */
const postgresRows = (
  context: Context,
  sustained: number,
  cpuMs: (name: string) => number,
  pg: Postgres.WindowFigures
): Array<Row> => {
  const scenario = `end-to-end${backendLabel(context)}`
  const redisOnly = (key: string) => {
    const value = context.figures.get(key)
    return value === undefined ? {} : { baseline: { name: "Redis only", value } }
  }
  return [
    row({
      scenario,
      metric: "deliveries/s sustained (publish + deliver)",
      unit: "/s",
      herald: sustained,
      ...redisOnly("herald.e2eDeliveriesPerSecond"),
      target: { op: ">=", value: 0.8, onRatio: true }
    }),
    row({ scenario, metric: "API CPU per publish", unit: "ms", herald: cpuMs("api"), ...redisOnly("e2e.apiCpuMs") }),
    row({ scenario, metric: "worker CPU per delivery", unit: "ms", herald: cpuMs("worker"), ...redisOnly("e2e.workerCpuMs") }),
    row({ scenario, metric: "Redis CPU per event (publish + delivery)", unit: "ms", herald: cpuMs("redis"), ...redisOnly("e2e.redisCpuMs") }),
    row({ scenario, metric: "PostgreSQL backends' CPU per event", unit: "ms", herald: pg.backendCpuMs }),
    ...(pg.walBytes === undefined
      ? [row({ scenario, metric: "WAL per event (server-wide LSN difference)", unit: "B", herald: pg.serverWalBytes })]
      : [
        row({ scenario, metric: "WAL per event (this database's records)", unit: "B", herald: pg.walBytes }),
        row({ scenario, metric: "... of which full-page images", unit: "B", herald: pg.walFullPageImageBytes ?? Number.NaN })
      ]),
    row({ scenario, metric: "PostgreSQL commits per event", unit: "", herald: pg.writes["(commits)"]?.["commits"] ?? Number.NaN })
  ]
}
