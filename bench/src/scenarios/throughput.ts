/**
 * End-to-end throughput: N events published through the HTTP API as fast as it
 * takes them (closed loop), one subscription each, delivered by one worker
 * process to the receiver. Deliveries/s are counted at the receiver, and set
 * against both worker baselines of the same run.
 *
 * The two sides do not do the same work: the baselines drain a queue filled
 * beforehand, while Herald's figure includes publishing (HTTP, storing the event,
 * the fan-out) on the same two cores. That is the comparison the issue asks for;
 * the memory scenario gives Herald's drain-only rate, like for like.
 *
 * On PG + Redis the same run is set against the Redis-only run just before it,
 * and PostgreSQL's side is measured as well: its backends' CPU, the WAL written
 * and the rows written per event (`Postgres.windowMeter`).
 */
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

export const run = (context: Context): Promise<ScenarioResult> =>
  withHerald(context, { worker: true }, async (stack) => {
    const { config } = context
    const load = publisher(stack.api.url, config.publishConnections)
    try {
      await warmUp(context, stack, load)

      context.log(`end-to-end: ${config.events} events through the API`)
      await resetCommandStats(context.redis.client)
      const pgMeter = stack.database === undefined ? undefined : await Postgres.windowMeter(stack.database, context.postgres)
      const { cpu, cpuMs, lastAt, published, stats } = await measure(context, stack, load, config.events)
      const commands = perDelivery(await commandStats(context.redis.client), config.events)
      const pg = pgMeter === undefined ? undefined : await pgMeter(stats.count)

      const overall = (stats.count * 1000) / (lastAt - published.startedMs)
      const sustained = sustainedRate(stats.receiptsMs)
      const publishRate = (published.latenciesMs.length * 1000) / (published.finishedMs - published.startedMs)
      const naiveWorkerMs = context.figures.get("naive.workerCpuMs")
      const naiveRedisMs = context.figures.get("naive.redisCpuMs")
      const naive = context.figures.get("naive.deliveriesPerSecond")
      const noop = context.figures.get("noop.jobsPerSecond")
      context.figures.set(figureKey(context, "herald.e2eDeliveriesPerSecond"), sustained)
      for (const name of ["api", "worker", "redis"]) context.figures.set(figureKey(context, `e2e.${name}CpuMs`), cpuMs(name))
      const details = {
        events: config.events,
        publishConnections: config.publishConnections,
        concurrency: config.concurrency,
        sustainedDeliveriesPerSecond: round(sustained),
        overallDeliveriesPerSecond: round(overall),
        publishedPerSecond: round(publishRate),
        publishErrors: published.errors,
        firstPublishError: load.firstError() ?? null,
        publishLatencyMs: summarize(published.latenciesMs),
        deliveryLatencyMs: summarize(stats.latenciesMs),
        cpuCores: cpu.cores,
        cpuMsPerEvent: Object.fromEntries(Object.keys(cpu.cores).map((name) => [name, round(cpuMs(name), 3)])),
        // Publish and delivery together: every Redis call the API and the worker made, per event.
        redisCallsPerDelivery: commands,
        ...(pg === undefined ? {} : { postgresPerEvent: pg }),
        receiver: integrity(stats)
      }
      if (pg !== undefined) return { rows: postgresRows(context, sustained, cpuMs, pg), details }

      return {
        rows: [
          row({
            scenario: "end-to-end",
            metric: "deliveries/s sustained (publish + deliver)",
            unit: "/s",
            herald: sustained,
            ...(naive === undefined ? {} : { baseline: { name: "naive", value: naive } }),
            target: { op: ">=", value: 3_000 }
          }),
          ...(naive === undefined ? [] : [
            row({
              scenario: "end-to-end",
              metric: "ratio to the naive worker",
              unit: "x",
              herald: sustained / naive,
              target: { op: ">=", value: 1 }
            })
          ]),
          row({ scenario: "end-to-end", metric: "API CPU per publish", unit: "ms", herald: cpuMs("api") }),
          row({
            scenario: "end-to-end",
            metric: "worker CPU per delivery",
            unit: "ms",
            herald: cpuMs("worker"),
            ...(naiveWorkerMs === undefined ? {} : { baseline: { name: "naive worker", value: naiveWorkerMs } })
          }),
          row({
            scenario: "end-to-end",
            metric: "Redis CPU per event (publish + delivery)",
            unit: "ms",
            herald: cpuMs("redis"),
            ...(naiveRedisMs === undefined ? {} : { baseline: { name: "naive worker", value: naiveRedisMs } })
          }),
          ...(noop === undefined ? [] : [
            row({
              scenario: "end-to-end",
              metric: "deliveries/s vs no-op BullMQ",
              unit: "/s",
              herald: sustained,
              baseline: { name: "no-op", value: noop }
            })
          ])
        ],
        details
      }
    } finally {
      await load.close()
    }
  })

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
