/**
 * DeliveryQueue on BullMQ (Redis): the queue shared by API and worker processes.
 *
 * - The BullMQ job id is derived from the delivery's key (see `JobData`: short,
 *   so a pending job stays a compact hash), and BullMQ ignores an `add` whose id
 *   exists: that is the dedupe. Jobs are removed as soon as they complete or fail
 *   (the workers' `removeOnComplete`/`removeOnFail`: set once per worker rather
 *   than stored in every job), which frees the key.
 * - Retries follow Herald's schedule, not BullMQ's backoff: on `Retry` the
 *   processor rewrites the job's data as the next attempt and moves the *same*
 *   job to the delayed set (`moveToDelayed` + `DelayedError`, BullMQ's pattern
 *   for manual delays), so the key stays pending across the delay. `Defer` does the
 *   same with the attempt unchanged.
 * - A handler that dies is retried the same way, as the same attempt, after
 *   `DEFECT_RETRY_DELAY_MS`, at most `MAX_DEFECT_RETRIES` times per attempt
 *   (counted in the job data), then settled and logged, like the memory adapter.
 * - A Redis error while re-queueing is retried in place, with backoff, for
 *   longer than a Redis failover takes (`REQUEUE_RETRIES`): the delivery's
 *   outcome is kept rather than the job dropped, and the delivery is not made
 *   again. (Jobs
 *   written by earlier versions carry BullMQ `attempts` for the same purpose.)
 * - `front` jobs (fan-out steps) are added LIFO: the next worker slot takes them
 *   before the deliveries already waiting.
 * - `expedite` (a manual redelivery) adds the job (a no-op when its key is
 *   pending) and promotes it if it is delayed (`Job.promote`, BullMQ's own move
 *   from delayed to waiting, which fails if the job is not delayed at that
 *   moment: it cannot race a worker into running it twice). A job in flight is
 *   marked instead, in a key of its own holding that attempt's `processedOn`
 *   (set anew each time a worker takes the job, so a mark that outlives its
 *   attempt matches no later one). The worker reads the mark after it has moved
 *   a `Retry` to delayed, and promotes the job if the mark is its attempt's.
 *   Either side acts after the other's step, so no order loses the redelivery:
 *   marked before the move, the worker sees the mark; moved before the mark was
 *   set, `expedite`, looking again, finds the job delayed and promotes it.
 * - A worker that dies mid-delivery leaves its job locked; once the lock expires
 *   another worker's stalled check moves it back to wait (at least once).
 *
 * - On a Redis Cluster (`cluster: true`) the adapter creates an ioredis `Cluster`
 *   each for the queue and every worker (BullMQ duplicates the worker's for its
 *   blocking connection, and closes that one) and closes them after BullMQ is done.
 *   The prefix's hash tag keeps all of the queue's keys, hence its scripts, on one slot.
 *
 * BullMQ types stay inside this module: callers see the core port, `Options`
 * and `QueueSize`.
 */
import { type ConnectionOptions, DelayedError, type Job, type JobsOptions, Queue, Worker } from "bullmq"
import { Cluster, type ClusterNode, type RedisOptions } from "ioredis"
import { RedisClient } from "@herald/redis"
import { Config, ConfigError, Context, Duration, Effect, Either, Exit, Layer, Redacted, Runtime, Schedule, type Scope } from "effect"
import { type DeliveryJob, DeliveryQueue, DeliverySettings, Durations } from "@herald/core"
import * as JobData from "./JobData.js"

export const DEFAULT_PREFIX = "{herald}"
export const DEFAULT_QUEUE_NAME = "deliveries"
/**
 * Longer than the delivery timeout (`HERALD_DELIVERY_TIMEOUT`, 15 s by default).
 * A worker renews its locks every half lock duration, but an event loop blocked
 * for a while, or a Redis hiccup, can miss a renewal; the margin means a slow
 * delivery still in flight is not taken for stalled and sent twice.
 */
export const DEFAULT_LOCK_DURATION_MS = 60_000
export const DEFAULT_STALLED_INTERVAL_MS = 30_000
/**
 * How often one job may be recovered from a dead worker before it is dropped:
 * a rolling restart can kill a worker more than once, a job that crashes every
 * process it lands on cannot go round for ever.
 */
export const DEFAULT_MAX_STALLED_COUNT = 2
/** Same bound and delay as the memory adapter: a transient defect costs a second, a deterministic one cannot spin. */
export const DEFECT_RETRY_DELAY_MS = 1_000
export const MAX_DEFECT_RETRIES = 3
/**
 * Retries of a failed re-queue (updating the job, moving it to delayed), after
 * 0.5, 1, 2, 4 and 8 s: within a lock duration, and past a typical failover.
 */
const REQUEUE_RETRIES = 5
const REQUEUE_FIRST_BACKOFF = Duration.millis(500)
/** Completed and failed jobs are removed at once: that frees their key. */
const REMOVE_AT_ONCE = { count: 0 } as const
/** Jobs `expedite` works on at once. */
const EXPEDITE_CONCURRENCY = 8
/**
 * Rounds of `expedite` on one job whose state keeps changing under it (promoted
 * by its due time, or taken by a worker, between two looks); each round is a
 * state change a worker made, so a few suffice.
 */
const EXPEDITE_ROUNDS = 3

export interface Options {
  /**
   * A `redis://` / `rediss://` URL (plain or redacted), or ioredis options. In
   * cluster mode, one or more comma-separated seed-node URLs (database 0), or
   * ioredis options whose host/port is the seed and the rest apply to every node.
   */
  readonly connection: string | Redacted.Redacted<string> | RedisOptions
  /** Connect to a Redis Cluster (ioredis `Cluster` connections). Default false. */
  readonly cluster?: boolean
  /** Key prefix; keep a hash tag (`{...}`) so a Redis Cluster puts the queue's keys on one slot. Default `{herald}`. */
  readonly prefix?: string
  /** Default `deliveries`. No `:` (BullMQ's separator). */
  readonly queueName?: string
  /** How long a worker holds a job without renewing its lock. Must exceed the delivery timeout. Default 60 s. */
  readonly lockDurationMs?: number
  /**
   * How often workers look for jobs whose worker died. Default 30 s. Give every
   * process the same value: a check holds a queue-wide key for one interval, so
   * one worker with a long interval delays recovery for all.
   */
  readonly stalledIntervalMs?: number
  /** How often a job may be recovered from a dead worker before it is dropped. Default 2. */
  readonly maxStalledCount?: number
}

export interface QueueSize {
  /** Due and waiting for a worker. */
  readonly ready: number
  /** Waiting for their delay (first attempts, retries, defect retries). */
  readonly delayed: number
  /** Taken by a worker (in any process) and not yet settled. */
  readonly inFlight: number
}

/** The port plus inspection and flow control for tests, operations and benchmarks. */
export interface BullMQDeliveryQueueShape extends DeliveryQueue.DeliveryQueueShape {
  /** Counts across every process using this queue. */
  readonly size: Effect.Effect<QueueSize>
  /**
   * Stops this process's consumers (present and future) from taking jobs, after
   * the ones in flight finish; enqueueing still works, so a backlog builds up.
   */
  readonly pause: Effect.Effect<void>
  readonly resume: Effect.Effect<void>
}

export class BullMQDeliveryQueue extends Context.Tag("@herald/bullmq/BullMQDeliveryQueue")<
  BullMQDeliveryQueue,
  BullMQDeliveryQueueShape
>() {}

type Data = JobData.Encoded
type BullJob = Job<Data, void, string>

/**
 * Options, not a client: BullMQ then creates the connections it needs (a worker
 * has a blocking one) and closes them with the queue or worker. The cast only
 * bridges `exactOptionalPropertyTypes` (ioredis declares `host?: string | undefined`,
 * BullMQ `host?: string`); BullMQ hands these options to `new IORedis(url, options)` as they are.
 */
const connectionOptions = (connection: Options["connection"], extra: RedisOptions = {}): ConnectionOptions =>
  (typeof connection === "string"
    ? { url: connection, ...extra }
    : Redacted.isRedacted(connection)
    ? { url: Redacted.value(connection), ...extra }
    : { ...connection, ...extra }) as ConnectionOptions

/**
 * Cluster seeds from the connection: comma-separated `redis://[user:password@]host:port`
 * URLs sharing scheme and credentials (ioredis gives every node the same options),
 * database 0 only; or ioredis options, whose host and port are the one seed.
 */
export const clusterSeeds = (
  connection: Options["connection"]
): { readonly nodes: Array<ClusterNode>; readonly redisOptions: RedisOptions } => {
  if (typeof connection !== "string" && !Redacted.isRedacted(connection)) {
    const { host, port, ...redisOptions } = connection
    return { nodes: [{ host: host ?? "127.0.0.1", port: port ?? 6379 }], redisOptions }
  }
  // The same seed-list rules as the stores' client, so one REDIS_URL serves both.
  return RedisClient.parseClusterUrls(typeof connection === "string" ? connection : Redacted.value(connection))
}

/** What the processor did with a job: settled it (BullMQ completes and removes it) or moved it to delayed. */
type Settlement = "settled" | "moved"

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))

export const make = (options: Options): Effect.Effect<BullMQDeliveryQueueShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const name = options.queueName ?? DEFAULT_QUEUE_NAME
    const prefix = options.prefix ?? DEFAULT_PREFIX
    /** For BullMQ's callbacks and events, which run outside any fiber. */
    const runtime = yield* Effect.runtime<never>()
    // BullMQ emits "error" mostly for lost connections, which ioredis retries on
    // its own: a warning, not an error, or every Redis restart pages someone.
    const report = (message: string) => (error: unknown) => {
      Runtime.runFork(runtime)(Effect.logWarning(message, errorMessage(error)))
    }
    /** Closing must not throw in a finalizer: a failed close is logged. */
    const close = (what: string, closing: () => Promise<void>) =>
      Effect.promise(() => closing().catch(report(`closing the BullMQ ${what} failed`)))

    /** A bad seed list stops the process at start, like a bad URL for the other stores. */
    const seeds = options.cluster === true ? clusterSeeds(options.connection) : undefined
    /**
     * What to hand BullMQ: options (BullMQ connects, and closes) or, on a Cluster, a
     * `Cluster` this scope owns. Acquired before the queue or worker using it, so
     * it is closed after them.
     */
    const connectionFor = (extra: RedisOptions = {}): Effect.Effect<ConnectionOptions, never, Scope.Scope> =>
      seeds === undefined
        ? Effect.succeed(connectionOptions(options.connection, extra))
        : Effect.acquireRelease(
          Effect.sync(() => {
            const cluster = new Cluster(seeds.nodes, { redisOptions: { ...seeds.redisOptions, ...extra } })
            cluster.on("error", report("Redis Cluster connection error"))
            return cluster
          }),
          (cluster) =>
            close("Redis Cluster connection", async () => {
              if (cluster.status === "end") return
              // QUIT fails on a broken connection; dropping the sockets is all that is left.
              await cluster.quit().catch(() => cluster.disconnect())
            })
        ).pipe(Effect.map((cluster) => cluster as unknown as ConnectionOptions))

    const queueConnection = yield* connectionFor()
    const queue = yield* Effect.acquireRelease(
      Effect.sync((): Queue => {
        const queue = new Queue(name, { connection: queueConnection, prefix })
        // An EventEmitter without an `error` listener throws; connection errors are retried by ioredis.
        queue.on("error", report("BullMQ queue error"))
        return queue
      }),
      (queue) => close("queue", () => queue.close())
    )
    yield* Effect.promise(() => queue.waitUntilReady())

    /**
     * Only what differs from BullMQ's defaults: every option given is stored in
     * the job's hash, and the hash stays compact only while that is short.
     */
    const jobOptions = (id: string, enqueueOptions: DeliveryQueue.EnqueueOptions | undefined): JobsOptions => {
      const delay = Math.max(0, enqueueOptions?.delayMs ?? 0)
      return {
        jobId: id,
        ...(delay > 0 ? { delay } : {}),
        ...(enqueueOptions?.front === true ? { lifo: true } : {})
      }
    }

    const enqueue = (jobs: ReadonlyArray<DeliveryJob.QueueTask>, enqueueOptions?: DeliveryQueue.EnqueueOptions) => {
      if (jobs.length === 0) return Effect.void
      const add = jobs.map(JobData.added)
      // One job: a plain add. `addBulk` wraps its adds in a MULTI transaction, which costs more for one.
      if (add.length === 1) {
        const { data, id, name } = add[0]!
        return Effect.promise(() => queue.add(name, data, jobOptions(id, enqueueOptions))).pipe(Effect.asVoid)
      }
      return Effect.promise(() =>
        queue.addBulk(add.map(({ data, id, name }) => ({ name, data, opts: jobOptions(id, enqueueOptions) })))
      ).pipe(Effect.asVoid)
    }

    /**
     * Where `expedite` marks a job in flight (see the module's header). Its own key,
     * not a field of the job's hash: BullMQ rewrites that hash as the job moves.
     * The hash tag of the prefix keeps it on the job's Cluster slot.
     */
    const markKey = (jobId: string) => queue.toKey(`herald-expedite:${jobId}`)
    /**
     * Only a `Retry` reads a mark; after a `Done` or a `Defer`, or a worker that
     * died, it is left to expire (it matches no later attempt in the meantime).
     */
    const markTtlMs = (options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS) * 2
    const redis = () => queue.getBackend().client
    /** Which attempt of a job is in flight: BullMQ sets `processedOn` each time a worker takes it. */
    const attemptMark = (bullJob: BullJob) => bullJob.processedOn === undefined ? undefined : String(bullJob.processedOn)

    /** BullMQ's own move from delayed to waiting; false if the job was not delayed at that moment. */
    const promoted = (bullJob: BullJob) => bullJob.promote().then(() => true, () => false)

    const expediteOne = async (task: DeliveryJob.DeliveryJob) => {
      const { data, id, name } = JobData.added(task)
      // Not pending: added, due now. Pending: BullMQ ignores the add, and the job is moved up below.
      await queue.add(name, data, { jobId: id })
      for (let round = 0; round < EXPEDITE_ROUNDS; round++) {
        const bullJob: BullJob | undefined = await queue.getJob(id)
        if (bullJob === undefined) return // settled meanwhile
        if (await promoted(bullJob)) return
        const state = await bullJob.getState()
        if (state === "delayed") continue // moved to delayed since we looked: promote it now
        if (state !== "active") return // due already (waiting), or settled
        const mark = attemptMark(bullJob)
        // Read before it was taken: the attempt in flight began after this request, so it is the redelivery.
        if (mark === undefined) return
        const client = await redis()
        await client.set(markKey(id), mark, { PX: markTtlMs })
        // Moved to delayed before the mark was set, the worker did not see it: promote it here.
        if ((await bullJob.getState()) === "delayed") await promoted(bullJob)
        return
      }
    }

    const expedite = (jobs: ReadonlyArray<DeliveryJob.DeliveryJob>) =>
      Effect.forEach(jobs, (job) => Effect.promise(() => expediteOne(job)), {
        concurrency: EXPEDITE_CONCURRENCY,
        discard: true
      })

    /**
     * After a `Retry` was moved to delayed: if a redelivery marked this attempt
     * while it was in flight, the next attempt is due now.
     */
    const honourMark = async (bullJob: BullJob, mark: string | undefined) => {
      if (bullJob.id === undefined || mark === undefined) return
      const client = await redis()
      const key = markKey(bullJob.id)
      const marked = await client.get(key)
      if (marked === null) return
      await client.del(key)
      if (marked === mark) await promoted(bullJob)
    }

    /** Live workers of this queue in this process, for `pause`/`resume`. */
    const workers = new Set<Worker<Data, void, string>>()
    let paused = false

    const consume = <R>(
      handle: (job: DeliveryJob.QueueTask) => Effect.Effect<DeliveryJob.DeliveryOutcome, never, R>,
      consumeOptions: DeliveryQueue.ConsumeOptions
    ): Effect.Effect<void, never, R | Scope.Scope> =>
      Effect.gen(function*() {
        const run = Runtime.runPromise(yield* Effect.runtime<R>())

        /**
         * The same BullMQ job, rewritten and delayed: its id (the dedupe key) stays
         * pending. Data first: were the move first, a zero delay could let another
         * worker take the job before it says which attempt it is. Two calls, not one
         * step: a crash between them re-runs the job as the next attempt (at least once).
         */
        const requeue = (
          bullJob: BullJob,
          token: string | undefined,
          task: DeliveryJob.QueueTask,
          data: Data,
          delayMs: number,
          retry = false
        ) =>
          Effect.tryPromise(async () => {
            await bullJob.updateData(data)
            await bullJob.moveToDelayed(Date.now() + Math.max(0, delayMs), token)
          }).pipe(
            Effect.tapError((error) =>
              Effect.logWarning("re-queueing a delivery failed; retrying", errorMessage(error.error)).pipe(
                Effect.annotateLogs(task.logAnnotations)
              )
            ),
            Effect.retry({ times: REQUEUE_RETRIES, schedule: Schedule.exponential(REQUEUE_FIRST_BACKOFF) }),
            // Out of retries: the job fails, and BullMQ removes it (a job written by an
            // earlier version still carries BullMQ attempts, and is run again instead).
            Effect.tapError((error) =>
              Effect.logError("re-queueing a delivery failed; job dropped", errorMessage(error.error)).pipe(
                Effect.annotateLogs(task.logAnnotations)
              )
            ),
            Effect.orDie,
            // Outside the retried step: the move is done, and must not be made twice.
            Effect.zipRight(retry ? honour(bullJob, task) : Effect.void),
            Effect.as<Settlement>("moved")
          )

        /** A redelivery's mark not read (Redis failing) leaves the retry on its schedule: late, not lost. */
        const honour = (bullJob: BullJob, task: DeliveryJob.QueueTask) =>
          Effect.tryPromise(() => honourMark(bullJob, attemptMark(bullJob))).pipe(
            Effect.catchAll((error) =>
              Effect.logWarning("reading a redelivery's mark failed; the retry keeps its schedule", errorMessage(error.error))
                .pipe(Effect.annotateLogs(task.logAnnotations))
            )
          )

        const settle = (bullJob: BullJob, token: string | undefined): Effect.Effect<Settlement, never, R> => {
          const decoded = JobData.decode(bullJob.id ?? "", bullJob.name, bullJob.data)
          if (Either.isLeft(decoded)) {
            // Retrying cannot make it decodable: drop it rather than loop.
            return Effect.logError("undecodable delivery job dropped", decoded.left).pipe(
              Effect.annotateLogs({ jobId: bullJob.id ?? "" }),
              Effect.as<Settlement>("settled")
            )
          }
          const { defects, job, version } = decoded.right
          // The handler runs in this fiber, interruptible: its timeouts work.
          return Effect.exit(Effect.suspend(() => handle(job))).pipe(
            Effect.flatMap((exit): Effect.Effect<Settlement> => {
              if (Exit.isSuccess(exit)) {
                switch (exit.value._tag) {
                  case "Done":
                    return Effect.succeed("settled")
                  case "Retry":
                    return requeue(bullJob, token, job, JobData.encode(job.next(), 0, version), exit.value.delayMs, true)
                  case "Defer":
                    return requeue(bullJob, token, job, JobData.encode(job, 0, version), exit.value.delayMs)
                }
              }
              const retries = defects + 1
              // Each line is annotated where it is logged, not the handling of every delivery
              // (about 25 Effect operations each); the handler and `requeue` annotate their own.
              return retries <= MAX_DEFECT_RETRIES
                ? Effect.logWarning(`delivery handler died; retry ${retries} of ${MAX_DEFECT_RETRIES}`, exit.cause).pipe(
                  Effect.annotateLogs(job.logAnnotations),
                  Effect.zipRight(requeue(bullJob, token, job, JobData.encode(job, retries, version), DEFECT_RETRY_DELAY_MS))
                )
                : Effect.logError("delivery handler died; job dropped", exit.cause).pipe(
                  Effect.annotateLogs(job.logAnnotations),
                  Effect.as<Settlement>("settled")
                )
            })
          )
        }

        const processor = async (bullJob: BullJob, token?: string): Promise<void> => {
          // Tells BullMQ the job was moved to delayed by us, not failed.
          if ((await run(settle(bullJob, token))) === "moved") throw new DelayedError()
        }

        const workerConnection = yield* connectionFor({ maxRetriesPerRequest: null })
        const worker = yield* Effect.acquireRelease(
          Effect.sync(() => {
            const worker = new Worker<Data, void, string>(name, processor, {
              connection: workerConnection,
              prefix,
              concurrency: Math.max(1, Math.floor(consumeOptions.concurrency) || 1),
              lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
              stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
              maxStalledCount: options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
              removeOnComplete: REMOVE_AT_ONCE,
              removeOnFail: REMOVE_AT_ONCE,
              // Started below, once ready, unless this queue is paused.
              autorun: false
            })
            worker.on("error", report("BullMQ worker error"))
            workers.add(worker)
            return worker
          }),
          // `close()` waits for the jobs in flight and records their outcomes: the SIGTERM drain.
          (worker) =>
            Effect.suspend(() => {
              workers.delete(worker)
              return close("worker", () => worker.close())
            })
        )
        yield* Effect.promise(() => worker.waitUntilReady())
        if (!paused) startWorker(worker)
      })

    /** `run()` resolves only when the worker stops, so it is not awaited. */
    const startWorker = (worker: Worker<Data, void, string>) => {
      worker.run().catch(report("BullMQ worker stopped"))
    }

    const pause = Effect.suspend(() => {
      paused = true
      return Effect.promise(() => Promise.all([...workers].map((worker) => worker.pause())))
    }).pipe(Effect.asVoid)

    // `resume()` also starts a worker that was created while paused and never ran.
    const resume = Effect.suspend(() => {
      paused = false
      return Effect.promise(() => Promise.all([...workers].map((worker) => worker.resume())))
    }).pipe(Effect.asVoid)

    const size = Effect.promise(() => queue.getJobCounts("waiting", "prioritized", "delayed", "active")).pipe(
      Effect.map((counts): QueueSize => ({
        ready: (counts["waiting"] ?? 0) + (counts["prioritized"] ?? 0),
        delayed: counts["delayed"] ?? 0,
        inFlight: counts["active"] ?? 0
      }))
    )

    return { enqueue, expedite, consume, size, pause, resume }
  })

/** Provides the port and, for inspection, the same queue as `BullMQDeliveryQueue`. */
export const layer = (options: Options): Layer.Layer<DeliveryQueue.DeliveryQueue | BullMQDeliveryQueue> =>
  Layer.scopedContext(
    Effect.map(
      make(options),
      (queue) => Context.make(DeliveryQueue.DeliveryQueue, queue).pipe(Context.add(BullMQDeliveryQueue, queue))
    )
  )

/** BullMQ uses `:` to separate key parts, so a queue name must not contain one. */
const queueNameOk = (value: string) =>
  value.length > 0 && !value.includes(":")
    ? Either.right(value)
    : Either.left(ConfigError.InvalidData(["HERALD_QUEUE_NAME"], "must be non-empty and contain no ':'"))

/**
 * `REDIS_URL` (required), `HERALD_QUEUE_PREFIX`, `HERALD_QUEUE_NAME`, and
 * `HERALD_REDIS_CLUSTER` (default false; when true `REDIS_URL` may list several
 * comma-separated seed nodes, as for the Redis stores).
 */
const millis = (name: string, fallback: number, description: string) =>
  Durations.config(name, { defaultMs: fallback, minMs: 1_000, description })

/**
 * `REDIS_URL` (required), `HERALD_QUEUE_PREFIX`, `HERALD_QUEUE_NAME`,
 * `HERALD_REDIS_CLUSTER`, `HERALD_QUEUE_LOCK_DURATION` (which must exceed
 * `HERALD_DELIVERY_TIMEOUT`) and `HERALD_QUEUE_STALLED_INTERVAL`.
 */
export const config: Config.Config<Options> = Config.all({
  connection: Config.redacted("REDIS_URL").pipe(
    Config.withDescription("Redis URL for the delivery queue, e.g. redis://localhost:6379/0")
  ),
  prefix: Config.string("HERALD_QUEUE_PREFIX").pipe(
    Config.withDefault(DEFAULT_PREFIX),
    Config.withDescription("Key prefix of the delivery queue; keep a {hash tag} for Redis Cluster")
  ),
  queueName: Config.string("HERALD_QUEUE_NAME").pipe(
    Config.withDefault(DEFAULT_QUEUE_NAME),
    Config.mapOrFail(queueNameOk),
    Config.withDescription("Name of the delivery queue")
  ),
  cluster: Config.boolean("HERALD_REDIS_CLUSTER").pipe(
    Config.withDefault(false),
    Config.withDescription("Connect to a Redis Cluster; REDIS_URL then lists seed nodes, comma-separated")
  ),
  lockDurationMs: millis(
    "HERALD_QUEUE_LOCK_DURATION",
    DEFAULT_LOCK_DURATION_MS,
    "How long a worker holds a delivery without renewing its lock; longer than HERALD_DELIVERY_TIMEOUT"
  ),
  stalledIntervalMs: millis(
    "HERALD_QUEUE_STALLED_INTERVAL",
    DEFAULT_STALLED_INTERVAL_MS,
    "How often workers look for deliveries of a dead worker; the same in every process"
  ),
  delivery: DeliverySettings.config
}).pipe(
  // A lock shorter than a delivery may take lets a live delivery be taken for stalled and sent twice.
  Config.mapOrFail(({ delivery, ...options }) =>
    options.lockDurationMs > delivery.timeoutMs
      ? Either.right(options)
      : Either.left(ConfigError.InvalidData(
        ["HERALD_QUEUE_LOCK_DURATION"],
        `must be longer than HERALD_DELIVERY_TIMEOUT (${delivery.timeoutMs} ms), got ${options.lockDurationMs} ms`
      ))
  )
)

export const layerConfig: Layer.Layer<DeliveryQueue.DeliveryQueue | BullMQDeliveryQueue, ConfigError.ConfigError> =
  Layer.unwrapEffect(Effect.gen(function*() {
    return layer(yield* config)
  }))
