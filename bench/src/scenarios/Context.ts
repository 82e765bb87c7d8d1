/**
 * What every scenario gets, and what it gives back.
 */
import type { BenchConfig } from "../Config.js"
import * as Herald from "../Herald.js"
import type { Receiver } from "../Receiver.js"
import * as Postgres from "../Postgres.js"
import type { PrivateRedis } from "../Redis.js"
import type { Row } from "../Report.js"

export interface Context {
  readonly config: BenchConfig
  readonly redis: PrivateRedis
  readonly receiver: Receiver
  /** Child logs and CPU profiles go here. */
  readonly logDir: string
  /** Progress lines for the console. */
  readonly log: (line: string) => void
  /** Figures measured by earlier scenarios of the same run, by key (e.g. `naive.deliveriesPerSecond`). */
  readonly figures: Map<string, number>
  /** The PostgreSQL server of the PG + Redis variants, or why they are skipped. */
  readonly postgres: Postgres.Server
  /** Where Herald keeps its records in this scenario: Redis alone, or PostgreSQL + Redis (a database of its own per scenario). */
  readonly backend: Backend
}

/** Herald's storage in a scenario: `redis` (REDIS_URL alone) or `postgres` (DATABASE_URL + REDIS_URL). */
export type Backend = "redis" | "postgres"

/** The same context, its scenarios run on `backend`. */
export const onBackend = (context: Context, backend: Backend): Context => ({ ...context, backend })

/** How a scenario's rows name the backend: nothing for Redis alone (the rows as they always were), a suffix for PG + Redis. */
export const backendLabel = (context: Context): string => (context.backend === "postgres" ? ", PG + Redis" : "")

/** Figure keys of the PG + Redis variants get a prefix, so both backends' figures sit side by side. */
export const figureKey = (context: Context, key: string): string => (context.backend === "postgres" ? `pg.${key}` : key)

export interface ScenarioResult {
  readonly rows: ReadonlyArray<Row>
  /** Everything measured, for results.json. */
  readonly details: Record<string, unknown>
}

/** Herald's process options for a scenario; `databaseUrl` on PG + Redis; metrics recorded unless `metrics` is false. */
export const heraldOptions = (context: Context, databaseUrl?: string, metrics?: boolean): Herald.Options => ({
  redisUrl: context.redis.url,
  databaseUrl,
  logDir: context.logDir,
  concurrency: context.config.concurrency,
  cpuProfileDir: context.config.cpuProfileDir,
  metrics
})

/** A clean Redis: each scenario starts from nothing (the bench's own server, so nothing else is lost). */
export const flush = async (context: Context): Promise<void> => {
  await context.redis.client.flushall()
}

/**
 * Runs `body` with Herald's API (and a worker, unless `worker: false`), one
 * webhook to the receiver, and the receiver reset to check its signatures;
 * stops the processes whatever happens. On PG + Redis, Herald gets a database
 * of its own, created empty here (the API applies the schema at start) and
 * dropped afterwards, as Redis is flushed: every scenario starts from nothing.
 * `metrics: false` starts the processes with `HERALD_METRICS=false`.
 */
export const withHerald = async <A>(
  context: Context,
  options: { readonly worker: boolean; readonly metrics?: boolean },
  body: (stack: Stack) => Promise<A>
): Promise<A> => {
  await flush(context)
  const database = context.backend === "postgres" ? await Postgres.createDatabase() : undefined
  const heraldOpts = heraldOptions(context, database?.url, options.metrics)
  let api: Herald.Api | undefined
  let client: ReturnType<typeof Herald.client> | undefined
  let worker: Awaited<ReturnType<typeof Herald.startWorker>> | undefined
  try {
    api = await Herald.startApi(heraldOpts)
    client = Herald.client(api.url)
    if (options.worker) worker = await Herald.startWorker(heraldOpts)
    const webhook = await client.createWebhook(context.receiver.url("e2e"))
    context.receiver.reset(webhook.secret)
    const result = await body({
      api,
      database,
      worker,
      webhook,
      client,
      startWorker: async () => {
        worker = await Herald.startWorker(heraldOpts)
        return worker
      }
    })
    // A process that died mid-scenario (a crash, or killed from outside) makes its figures meaningless.
    for (const child of [api.child, worker]) {
      if (child?.exited() === true) {
        throw new Error(`${child.name} exited during the scenario (${child.exitStatus()}); its log: ${child.logFile}\n${child.tail(2_000)}`)
      }
    }
    return result
  } finally {
    await client?.close()
    await Promise.all([api?.child.stop(), worker?.stop()])
    await database?.drop()
  }
}

export interface Stack {
  readonly api: Herald.Api
  /** Herald's database, on PG + Redis. */
  readonly database: Postgres.PrivateDatabase | undefined
  readonly worker: Awaited<ReturnType<typeof Herald.startWorker>> | undefined
  readonly webhook: Herald.Webhook
  readonly client: ReturnType<typeof Herald.client>
  /** Starts the worker later (the memory scenario builds a backlog first). */
  readonly startWorker: () => Promise<Awaited<ReturnType<typeof Herald.startWorker>>>
}

/** The processes of a run, by the names the CPU figures use: Herald's API and worker, Redis, the receiver. */
export const stackPids = (context: Context, stack: Stack): Readonly<Record<string, number>> => ({
  api: stack.api.child.pid,
  worker: stack.worker?.pid ?? -1,
  redis: context.redis.pid,
  receiver: context.receiver.child.pid
})

/** Deliveries per second over the middle of a run (10th to 90th percentile of receipts): the sustained rate, without start-up and tail. */
export const sustainedRate = (receiptsMs: ReadonlyArray<number>): number => {
  const sorted = Float64Array.from(receiptsMs).sort()
  if (sorted.length < 10) return Number.NaN
  const low = Math.floor(sorted.length * 0.1)
  const high = Math.floor(sorted.length * 0.9)
  return ((high - low) * 1000) / (sorted[high]! - sorted[low]!)
}

/** Deliveries per second from the first to the last receipt. */
export const drainRate = (receiptsMs: ReadonlyArray<number>): number => {
  if (receiptsMs.length < 2) return Number.NaN
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  for (const at of receiptsMs) {
    if (at < first) first = at
    if (at > last) last = at
  }
  return ((receiptsMs.length - 1) * 1000) / (last - first)
}

/** The receiver's sanity counters: a bench that counts deliveries must also say whether they were right. */
export const integrity = (stats: {
  readonly count: number
  readonly duplicates: number
  readonly badSignatures: number
  readonly malformed: number
  readonly skewedTimestamps: number
}) => ({
  delivered: stats.count,
  duplicates: stats.duplicates,
  badSignatures: stats.badSignatures,
  malformed: stats.malformed,
  skewedTimestamps: stats.skewedTimestamps
})
