/**
 * Latency under a fixed offered load: events published open-loop at each rate
 * (200 and 1,000/s by default) for a while after a warm-up, each delivered to
 * the receiver, which measures publish -> receipt on the bench's monotonic clock.
 * The publish API's own latency under that load is reported beside it.
 *
 * On PG + Redis the rows sit beside the Redis-only run's, and PostgreSQL's side
 * (its backends' CPU, WAL and rows written per event) goes into the details.
 */
import * as Postgres from "../Postgres.js"
import { cpuMeter, cpuMsPer, round } from "../Proc.js"
import { publisher } from "../Publisher.js"
import { commandStats, perDelivery, resetCommandStats } from "../Redis.js"
import { row, type Row, type Target } from "../Report.js"
import { summarize } from "../Stats.js"
import { backendLabel, type Context, figureKey, integrity, type ScenarioResult, stackPids, withHerald } from "./Context.js"

/** The targets, by rate: p95 at 200/s, p99 at 1,000/s. */
const targets: Record<number, { readonly percentile: "p95" | "p99"; readonly target: Target }> = {
  200: { percentile: "p95", target: { op: "<=", value: 20 } },
  1_000: { percentile: "p99", target: { op: "<=", value: 50 } }
}

export const run = (context: Context): Promise<ScenarioResult> =>
  withHerald(context, { worker: true }, async (stack) => {
    const { config, receiver } = context
    const load = publisher(stack.api.url, config.publishConnections)
    const rows: Array<Row> = []
    const details: Record<string, unknown> = {}
    let seq = 0
    try {
      for (const rate of config.rates) {
        const warmup = await load.openLoop(rate, config.warmupSeconds, seq)
        seq += warmup.sent
        await receiver.waitFor(warmup.sent - warmup.errors, 120_000)
        receiver.reset(stack.webhook.secret)

        context.log(`latency at ${rate} events/s for ${config.latencySeconds} s`)
        await resetCommandStats(context.redis.client)
        const pgMeter = stack.database === undefined ? undefined : await Postgres.windowMeter(stack.database, context.postgres)
        const meter = cpuMeter({ ...stackPids(context, stack), bench: process.pid })
        const offered = await load.openLoop(rate, config.latencySeconds, seq)
        seq += offered.sent
        await receiver.waitFor(offered.sent - offered.errors, 300_000)
        const cpu = meter()
        const commands = perDelivery(await commandStats(context.redis.client), offered.sent)
        const stats = await receiver.stats()
        const pg = pgMeter === undefined ? undefined : await pgMeter(offered.sent)
        const delivery = summarize(stats.latenciesMs)
        const publish = summarize(offered.latenciesMs)
        const lag = summarize(offered.lagMs)

        const scenario = `latency @ ${rate}/s${backendLabel(context)}`
        // Beside the Redis-only run's figure, on PG + Redis.
        const redisOnly = (key: string) => {
          const value = context.backend === "postgres" ? context.figures.get(key) : undefined
          return value === undefined ? {} : { baseline: { name: "Redis only", value } }
        }
        for (const percentile of ["p50", "p95", "p99"] as const) {
          context.figures.set(figureKey(context, `latency.${rate}.${percentile}`), delivery[percentile])
          const judged = targets[rate]
          rows.push(row({
            scenario,
            metric: `publish -> receipt ${percentile}`,
            unit: "ms",
            herald: delivery[percentile],
            ...redisOnly(`latency.${rate}.${percentile}`),
            ...(judged !== undefined && judged.percentile === percentile ? { target: judged.target } : {})
          }))
        }
        context.figures.set(figureKey(context, `latency.${rate}.publishP99`), publish.p99)
        rows.push(row({
          scenario,
          metric: "publish API p99 (under delivery load)",
          unit: "ms",
          herald: publish.p99,
          ...redisOnly(`latency.${rate}.publishP99`)
        }))
        // Below the offered rate, the API could not keep up: latencies then grow with the run's length, not a property of Herald at that rate.
        const achieved = (offered.latenciesMs.length * 1000) / (offered.finishedMs - offered.startedMs)
        rows.push(row({
          scenario,
          metric: "publishes answered (offered rate as baseline)",
          unit: "/s",
          herald: achieved,
          baseline: { name: "offered", value: rate },
          ...(achieved < rate * 0.95 ? { note: "saturated" } : {})
        }))
        details[String(rate)] = {
          seconds: config.latencySeconds,
          sent: offered.sent,
          publishErrors: offered.errors,
          answeredPerSecond: round((offered.latenciesMs.length * 1000) / (offered.finishedMs - offered.startedMs)),
          deliveryLatencyMs: delivery,
          publishLatencyMs: publish,
          benchSendLagMs: lag,
          cpuCores: cpu.cores,
          cpuMsPerEvent: Object.fromEntries(Object.keys(cpu.cores).map((name) => [name, round(cpuMsPer(cpu, name, offered.sent), 3)])),
          redisCallsPerDelivery: commands,
          ...(pg === undefined ? {} : { postgresPerEvent: pg }),
          receiver: integrity(stats)
        }
        receiver.reset(stack.webhook.secret)
      }
      return { rows, details }
    } finally {
      await load.close()
    }
  })
