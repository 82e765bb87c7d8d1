/**
 * DeliveryQueue on BullMQ (Redis): the queue shared by API and worker processes.
 *
 * - The BullMQ job id is derived from the delivery's key (see `JobData`: short,
 *   so a pending job stays a compact hash), and BullMQ ignores an `add` whose id
 *   exists: that is the dedupe. Jobs are removed as soon as they complete or fail
 *   (the workers' `removeOnComplete`/`removeOnFail`: set once per worker rather
 *   than stored in every job), which frees the key.
 * - Retries follow Herald's schedule, not BullMQ's backoff: on `Retry` the
 *   processor moves the *same* job to the delayed set as the next attempt, its
 *   data rewritten in the same step (BullMQ's `moveToDelayed` script with fields
 *   to update, then `DelayedError`, BullMQ's pattern for manual delays), so the
 *   key stays pending across the delay. `Defer` does the same with the attempt
 *   unchanged.
 * - A handler that dies is retried the same way, as the same attempt, after
 *   `DEFECT_RETRY_DELAY_MS`, at most `MAX_DEFECT_RETRIES` times per attempt
 *   (counted in the job data), then settled and logged, like the memory adapter.
 * - A Redis error while re-queueing is retried in place, with backoff, for
 *   longer than a Redis failover takes (`REQUEUE_RETRIES`): the delivery's
 *   outcome is kept rather than the job dropped, and the delivery is not made
 *   again. (Jobs written by earlier versions carry BullMQ `attempts` for the
 *   same purpose.)
 * - `front` jobs (fan-out steps) are added LIFO: the next worker slot takes them
 *   before the deliveries already waiting.
 * - `expedite` (a manual redelivery) adds the jobs (a no-op for a key pending),
 *   then, in one transaction per chunk, runs BullMQ's own promote on each (a move
 *   from delayed to waiting, a no-op for a job not delayed) and `EXPEDITE_LUA`,
 *   which marks a job in flight (its lock held) in a key of its own holding that
 *   attempt's `processedOn` (set anew each time a worker takes the job, so a mark
 *   that outlives its attempt matches no later one). Look and act are one atomic
 *   step, so no worker moves the job in between. The transaction that moves a
 *   `Retry` to delayed also takes the mark if it is that attempt's
 *   (`TAKE_MARK_LUA`), and the worker then promotes the job: a mark set before
 *   the move is seen by it, one set after finds the job delayed and promotes it,
 *   and whichever takes the mark is the only one to act on it. A give-up
 *   (`Done` with `givenUp`) takes its attempt's mark likewise and, if it was
 *   there, moves the job back as attempt 1, due now, instead of settling; if it
 *   was not, it leaves a `settling:` mark (`DONE_LUA`), and a redelivery that
 *   finds it waits for BullMQ to complete the job (moments), then adds it anew.
 *   An ordered webhook's `Done` (`sequenced`) looks the same way for an `again:`
 *   mark (`expedite` with `again`: the event was put back in its sequence after
 *   this attempt moved the sequence on).
 * - A worker that dies mid-delivery leaves its job locked; once the lock expires
 *   another worker's stalled check moves it back to wait (at least once).
 * - Stopping is bounded (`drainTimeoutMs`): closing a worker lets the jobs in flight
 *   finish and records their outcomes, for that long at most. Past it (Redis
 *   unreachable, or a handler slower than the bound) the worker's connections are
 *   ended, its handlers interrupted, and a warning names the jobs whose outcome was
 *   not recorded: they are still active in Redis, so once their lock expires a
 *   stalled check (another worker's, or this one's after a restart) runs them again,
 *   like a dead worker's. BullMQ's own `close()` cannot be bounded: it waits for the
 *   deliveries' outcomes to reach Redis, and for ioredis to report a connection it
 *   dropped while reconnecting as ended, which it never does (bullmq#4656), so it
 *   hangs until Redis returns, or for ever; and once started it cannot be forced
 *   (`close(true)` returns the close already under way). The queue's close is
 *   bounded likewise.
 *
 * - On a Redis Cluster (`cluster: true`) the adapter creates an ioredis `Cluster`
 *   each for the queue and every worker (BullMQ duplicates the worker's for its
 *   blocking connection, and closes that one) and closes them after BullMQ is done.
 *   The prefix's hash tag keeps all of the queue's keys, hence its scripts, on one slot.
 *
 * BullMQ types stay inside this module: callers see the core port, `Options`
 * and `QueueSize`.
 */
import { randomUUID } from "node:crypto"
import { setMaxListeners } from "node:events"
import { type ConnectionOptions, DelayedError, type Job, type JobsOptions, Queue, Worker } from "bullmq"
import { Cluster, type ClusterNode, type Redis, type RedisOptions } from "ioredis"
import { RedisClient } from "@herald/redis"
import { Context, Duration, Effect, Either, Exit, Layer, Redacted, Runtime, Schedule, type Scope } from "effect"
import { DeliveryJob, DeliveryQueue, DeliverySettings, Durations, Metrics } from "@herald/core"
import * as JobData from "./JobData.js"

/** The default key prefix, a Redis Cluster hash tag like the stores' (`{herald}`). */
export const DEFAULT_PREFIX = "{herald}"
/** The default queue name. */
export const DEFAULT_QUEUE_NAME = "deliveries"
/**
 * Longer than the delivery timeout (`HERALD_DELIVERY_TIMEOUT`, 15 s by default).
 * A worker renews its locks every half lock duration, but an event loop blocked
 * for a while, or a Redis hiccup, can miss a renewal; the margin means a slow
 * delivery still in flight is not taken for stalled and sent twice.
 */
export const DEFAULT_LOCK_DURATION_MS = 60_000
/** How often workers look for jobs whose worker died, by default. */
export const DEFAULT_STALLED_INTERVAL_MS = 30_000
/**
 * How often one job may be recovered from a dead worker before it is dropped:
 * a rolling restart can kill a worker more than once, a job that crashes every
 * process it lands on cannot go round for ever.
 */
export const DEFAULT_MAX_STALLED_COUNT = 2
/** What a drain allows beyond the handlers' longest run: time to record the outcome. */
export const DRAIN_MARGIN_MS = 5_000
/**
 * The drain for handlers that run `handlerTimeoutMs` at most (Herald's delivery
 * timeout): their run and the margin, so a drain with Redis up never cuts one short.
 * Herald's processes derive `drainTimeoutMs` this way.
 */
export const drainTimeoutFor = (handlerTimeoutMs: number): number => handlerTimeoutMs + DRAIN_MARGIN_MS
/**
 * How long stopping waits, by default, for the jobs in flight to finish and their
 * outcomes to be recorded (and then for the queue to close) before it ends the
 * connections: `drainTimeoutFor` Herald's default delivery timeout, 20 s. That
 * ends well within Kubernetes' default grace period (30 s), so a stop while Redis
 * is unreachable says what it left behind instead of being killed without a word.
 */
export const DEFAULT_DRAIN_TIMEOUT_MS = drainTimeoutFor(DeliverySettings.defaults.timeoutMs)
/**
 * After the connections were ended, how long a close may still take: every Redis
 * call fails at once then, so BullMQ's close winds down in moments; this only
 * keeps a handler that ignores its interruption from holding the stop.
 */
const FORCED_CLOSE_GRACE = Duration.seconds(5)
/** Same bound and delay as the memory adapter: a transient defect costs a second, a deterministic one cannot spin. */
export const DEFECT_RETRY_DELAY_MS = 1_000
/** How many times a job whose handler died is tried again, per attempt, before it is settled. */
export const MAX_DEFECT_RETRIES = 3
/**
 * Retries of a failed re-queue (updating the job, moving it to delayed), after
 * 0.5, 1, 2, 4 and 8 s: within a lock duration, and past a typical failover.
 */
const REQUEUE_RETRIES = 5
const REQUEUE_FIRST_BACKOFF = Duration.millis(500)
/** Completed and failed jobs are removed at once: that frees their key. */
const REMOVE_AT_ONCE = { count: 0 } as const
/** Jobs `expedite` adds, and looks at, in one round trip each. */
const EXPEDITE_CHUNK = 500
/**
 * Rounds of `expedite` on a job that settled between being added (a no-op, as
 * it was pending) and being looked at: added again. Each round is a delivery a
 * worker settled, so a few suffice.
 */
const EXPEDITE_ROUNDS = 3

const EXPEDITE_SCRIPT = "heraldExpedite"
/** What `EXPEDITE_LUA` answers for a job no longer there, and for one its worker is settling. */
const EXPEDITE_SETTLED = 0
const EXPEDITE_SETTLING = 3
/**
 * How often, and how long at most, `expedite` looks again at a job whose worker
 * gave it up and is completing it: one round trip, unless that worker died (its
 * job is then recovered as stalled, and run again).
 */
const SETTLING_POLL_MS = 20
const SETTLING_POLLS = 100
/**
 * `expedite`'s look at one job, in the transaction right after BullMQ's promote
 * of it: settled since it was added (0); in flight, its lock held, whose attempt
 * (`processedOn`) is then marked (2), unless its worker already gave it up
 * (`GIVE_UP_LUA`) and is completing it (3); due (1).
 * KEYS: the job's hash, its lock, its mark. ARGV: the mark's time to live (ms),
 * "1" for `again`, and when `expedite` began: `again` marks only a job created
 * before it (one its own add created runs for the redelivery, and is not run
 * again); an `again` mark is kept over a plain one.
 */
const EXPEDITE_LUA = `
if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
if redis.call("EXISTS", KEYS[2]) == 1 then
  local attempt = redis.call("HGET", KEYS[1], "processedOn")
  if attempt then
    local mark = redis.call("GET", KEYS[3])
    if mark == "settling:" .. attempt then return 3 end
    local created = tonumber(redis.call("HGET", KEYS[1], "timestamp") or "0") or 0
    local again = ARGV[2] == "1" and created < tonumber(ARGV[3])
    if mark ~= "again:" .. attempt then
      redis.call("SET", KEYS[3], (again and "again:" or "") .. attempt, "PX", ARGV[1])
    end
    return 2
  end
end
return 1`

const TAKE_MARK_SCRIPT = "heraldTakeMark"
/**
 * Deletes a job's mark if it is this attempt's (1), else leaves it (0): whoever
 * deletes a mark answers its redelivery, so it is answered once.
 * KEYS: the mark. ARGV: the attempt (its `processedOn`).
 */
const TAKE_MARK_LUA = `
local mark = redis.call("GET", KEYS[1])
if mark == ARGV[1] or mark == "again:" .. ARGV[1] then
  redis.call("DEL", KEYS[1])
  return 1
end
return 0`

const DONE_SCRIPT = "heraldDone"
/**
 * A give-up's or an ordered webhook's `Done`'s look at its attempt's mark: taken
 * if it restarts the delivery (1: an `again:` mark, or for a give-up a plain
 * one); else replaced by a `settling:` one (0), so that a redelivery from now
 * until BullMQ completes the job waits for that rather than marking an attempt
 * that will never read it.
 * KEYS: the mark. ARGV: the attempt (its `processedOn`), the mark's time to live
 * (ms), "1" for a give-up.
 */
const DONE_LUA = `
local mark = redis.call("GET", KEYS[1])
if mark == "again:" .. ARGV[1] or (ARGV[3] == "1" and mark == ARGV[1]) then
  redis.call("DEL", KEYS[1])
  return 1
end
redis.call("SET", KEYS[1], "settling:" .. ARGV[1], "PX", ARGV[2])
return 0`

/**
 * Where the queue lives (a Redis URL or ioredis options, single server or cluster), its prefix and
 * name, and how workers hold and recover jobs. Every process sharing the queue must use the same
 * connection, prefix and name.
 */
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
  /**
   * How long stopping waits for the jobs in flight to finish and be recorded, and for
   * the queue's connections to close, before it ends them anyway (Redis unreachable,
   * or a handler slower than this): the jobs not recorded are run again, as stalled,
   * once their lock expires. Longer than your handlers' longest run (`drainTimeoutFor`).
   * Default 20 s.
   */
  readonly drainTimeoutMs?: number
}

/**
 * How many jobs the queue holds, by state, across every process: what
 * `BullMQDeliveryQueueShape.size` reports.
 */
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
  /** The queue's epoch, kept in Redis: a new value once Redis has lost its data. */
  readonly epoch: Effect.Effect<string>
  /** Counts across every process using this queue. */
  readonly size: Effect.Effect<QueueSize>
  /**
   * Stops this process's consumers (present and future) from taking jobs, after
   * the ones in flight finish; enqueueing still works, so a backlog builds up.
   */
  readonly pause: Effect.Effect<void>
  readonly resume: Effect.Effect<void>
}

/**
 * The BullMQ queue with its inspection and flow control (`size`, `pause`, `resume`), for tests,
 * operations and benchmarks. `layer` provides it beside the `DeliveryQueue` port.
 */
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

/**
 * An ioredis connection of BullMQ's. BullMQ types its clients as its own
 * `RedisClient` interface (it has other backends); given ioredis options or a
 * `Cluster`, as here, they are ioredis connections.
 */
type Connection = Redis | Cluster
const asConnection = (client: unknown): Connection => client as Connection

/**
 * Ends an ioredis connection now, whatever its state: it stops reconnecting, the
 * commands waiting on it fail ("Connection is closed") and it emits `end`.
 * `disconnect()` alone does that, except for a client waiting to reconnect: it has
 * no socket left to close, so `disconnect()` only cancels the reconnection and leaves
 * the client `reconnecting`, its commands pending and its `end` never emitted, for
 * ever (BullMQ's close waits for that `end`: bullmq#4656). A connect cancelled at
 * once ends it: the attempt fails before it opens a socket, and a failed connect
 * flushes the commands and ends the client. (A Cluster is only disconnected.)
 */
const endConnection = (connection: Connection) => {
  connection.disconnect()
  if (!connection.isCluster && connection.status === "reconnecting") {
    connection.connect().catch(() => undefined)
    connection.disconnect()
  }
}

/**
 * Builds the queue in the caller's scope: the BullMQ queue now, workers when `consume` is called,
 * all closed with the scope. Most callers want `layer`.
 */
export const make = (options: Options): Effect.Effect<BullMQDeliveryQueueShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const name = options.queueName ?? DEFAULT_QUEUE_NAME
    const prefix = options.prefix ?? DEFAULT_PREFIX
    /** For BullMQ's callbacks and events, which run outside any fiber. */
    const runtime = yield* Effect.runtime<never>()
    // BullMQ emits "error" mostly for lost connections, which ioredis retries on
    // its own: a warning, not an error, or every Redis restart pages someone.
    const report = (message: string) => (error: unknown) => {
      Metrics.storeError({ backend: "queue" })
      Runtime.runFork(runtime)(Effect.logWarning(message, errorMessage(error)))
    }
    const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS
    /**
     * Set once a close had to be forced: Redis did not answer for a whole drain, so
     * the closes after it (the queue's after the workers', the Cluster connections')
     * end their connections at once instead of waiting as long again.
     */
    let forced = false

    /**
     * Waits for `closing` (a close under way) up to `timeout`; past it, runs `force`
     * (which ends the connections, so that every Redis call of the close fails at
     * once) and waits a moment more. True if it had to force. Never fails: a failed
     * close is logged, as a finalizer must not throw.
     */
    const closeWithin = (
      what: string,
      closing: Promise<void>,
      timeout: Duration.DurationInput,
      force: () => void
    ): Effect.Effect<boolean> => {
      const settled = closing.catch(report(`closing the BullMQ ${what} failed`))
      // Interruptible, for the timeouts: a finalizer runs uninterruptibly, and a timeout
      // cannot stop waiting for what it cannot interrupt. Only the wait is interrupted.
      const closed = Effect.interruptible(Effect.promise(() => settled))
      return Effect.timeout(closed, timeout).pipe(
        Effect.as(false),
        Effect.catchTag("TimeoutException", () =>
          Effect.sync(force).pipe(
            Effect.zipRight(Effect.timeout(closed, FORCED_CLOSE_GRACE)),
            Effect.catchTag("TimeoutException", () =>
              Effect.logError(
                `the BullMQ ${what} had not closed ${Duration.format(FORCED_CLOSE_GRACE)} after its connections were ended; left behind`
              )),
            Effect.as(true)
          ))
      )
    }

    /** Closes the queue or a Cluster connection: within the drain's bound, or at once after a forced close. */
    const close = (what: string, closing: () => Promise<void>, connections: () => ReadonlyArray<Connection>) =>
      Effect.suspend(() => {
        const waits = !forced
        return closeWithin(what, closing(), waits ? Duration.millis(drainTimeoutMs) : Duration.zero, () => {
          forced = true
          connections().forEach(endConnection)
        }).pipe(
          Effect.tap((wasForced) =>
            wasForced && waits
              ? Effect.logWarning(
                `closing the BullMQ ${what} took longer than ${Durations.format(drainTimeoutMs)} (Redis unreachable?): its connection was ended`
              )
              : Effect.void
          )
        )
      })

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
            }, () => [cluster])
        ).pipe(Effect.map((cluster) => cluster as unknown as ConnectionOptions))

    const queueConnection = yield* connectionFor()
    /** The queue's connection once it is ready, for ending it when its close cannot wait. */
    let queueConnections: ReadonlyArray<Connection> = []
    const queue = yield* Effect.acquireRelease(
      Effect.sync((): Queue => {
        const queue = new Queue(name, { connection: queueConnection, prefix })
        // An EventEmitter without an `error` listener throws; connection errors are retried by ioredis.
        queue.on("error", report("BullMQ queue error"))
        return queue
      }),
      (queue) => close("queue", () => queue.close(), () => queueConnections)
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

    const backend = queue.getBackend()
    const client = yield* Effect.promise(() => backend.client)
    queueConnections = [asConnection(client)]
    client.defineCommand(EXPEDITE_SCRIPT, { numberOfKeys: 3, lua: EXPEDITE_LUA })
    client.defineCommand(TAKE_MARK_SCRIPT, { numberOfKeys: 1, lua: TAKE_MARK_LUA })
    client.defineCommand(DONE_SCRIPT, { numberOfKeys: 1, lua: DONE_LUA })

    /**
     * Where `expedite` marks a job in flight (see the module's header). Its own key,
     * not a field of the job's hash: BullMQ rewrites that hash as the job moves.
     * The hash tag of the prefix keeps it on the job's Cluster slot.
     */
    const markKey = (jobId: string) => queue.toKey(`herald-expedite:${jobId}`)
    /**
     * A mark is read by the `Retry` or give-up of its attempt; after a delivered
     * `Done` or a `Defer`, or a worker that died, it is left to expire (it matches
     * no later attempt in the meantime).
     */
    const markTtlMs = (options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS) * 2
    /** Which attempt of a job is in flight: BullMQ sets `processedOn` each time a worker takes it. */
    const attemptMark = (bullJob: BullJob) => bullJob.processedOn === undefined ? undefined : String(bullJob.processedOn)

    /** The keys of BullMQ's promote script, in its order (as `promote` passes them). */
    const promoteKeys = [
      backend.keys["delayed"]!,
      backend.keys["wait"]!,
      backend.keys["paused"]!,
      backend.keys["meta"]!,
      backend.keys["prioritized"]!,
      backend.keys["active"]!,
      backend.keys["pc"]!,
      backend.keys["events"]!,
      backend.keys["marker"]!
    ]

    /** Runs a transaction; a command that failed fails it. */
    const exec = async (multi: ReturnType<typeof client.multi>): Promise<Array<unknown>> => {
      const results = await multi.exec()
      if (results === null) throw new Error("Redis transaction aborted")
      return results.map(([error, result]) => {
        if (error !== null) throw error
        return result
      })
    }

    /**
     * One round of `expedite` for a chunk of jobs: one add (ignored for a key
     * pending) and one transaction, whatever the chunk's size. The transaction
     * promotes each job if it is delayed (BullMQ's own promote script) and, in the
     * same atomic step, marks it if it is in flight: no worker can move it between
     * the look and the act. Returns the jobs that had settled since they were
     * added, and those their worker is settling.
     */
    const expediteRound = async (jobs: ReadonlyArray<JobData.Added>, again: boolean, since: number) => {
      if (jobs.length === 1) {
        const { data, id, name } = jobs[0]!
        await queue.add(name, data, { jobId: id })
      } else {
        await queue.addBulk(jobs.map(({ data, id, name }) => ({ name, data, opts: { jobId: id } })))
      }
      const multi = client.multi()
      for (const { id } of jobs) {
        backend.execCommand(multi, "promote", [...promoteKeys, queue.toKey(""), id])
        multi.runCommand(EXPEDITE_SCRIPT, [queue.toKey(id), `${queue.toKey(id)}:lock`, markKey(id), markTtlMs, again ? "1" : "", since])
      }
      const results = await exec(multi)
      return {
        settled: jobs.filter((_, i) => results[2 * i + 1] === EXPEDITE_SETTLED),
        settling: jobs.filter((_, i) => results[2 * i + 1] === EXPEDITE_SETTLING)
      }
    }

    const expediteChunk = async (jobs: ReadonlyArray<JobData.Added>, again: boolean) => {
      // The adds below stamp a new job with this process's clock, as this is.
      const since = Date.now()
      let remaining = jobs
      for (let round = 0, polls = 0; remaining.length > 0 && round < EXPEDITE_ROUNDS && polls <= SETTLING_POLLS;) {
        const { settled, settling } = await expediteRound(remaining, again, since)
        remaining = [...settled, ...settling]
        if (settling.length === 0) round++
        else {
          polls++
          await new Promise((resolve) => setTimeout(resolve, SETTLING_POLL_MS))
        }
      }
    }

    const expedite = (jobs: ReadonlyArray<DeliveryJob.DeliveryJob>, expediteOptions?: DeliveryQueue.ExpediteOptions) => {
      const added = [...new Map(jobs.map((job) => [job.key, JobData.added(job)])).values()]
      const chunks = Array.from({ length: Math.ceil(added.length / EXPEDITE_CHUNK) }, (_, i) =>
        added.slice(i * EXPEDITE_CHUNK, (i + 1) * EXPEDITE_CHUNK))
      const again = expediteOptions?.again === true
      return Effect.forEach(chunks, (chunk) => Effect.promise(() => expediteChunk(chunk, again)), { discard: true })
    }

    /**
     * Moves a job in flight to delayed as `data` (one atomic step, BullMQ's own
     * script with the fields to update). With `mark`, the same transaction takes
     * that attempt's redelivery mark, if any: then the job is promoted at once.
     * One round trip when no redelivery was asked for.
     */
    const moveToDelayed = async (bullJob: BullJob, token: string | undefined, data: Data, delayMs: number, mark?: string) => {
      const id = bullJob.id!
      const multi = client.multi()
      const now = Date.now()
      const delay = Math.max(0, delayMs)
      backend.execCommand(
        multi,
        "moveToDelayed",
        backend.moveToDelayedArgs(id, now, token ?? "0", delay, {
          skipAttempt: true,
          // `due`: when it is due again, which BullMQ keeps nowhere once it is (`depth` reads it).
          fieldsToUpdate: { data: JSON.stringify(data), [DUE_FIELD]: String(now + delay) }
        })
      )
      if (mark !== undefined) multi.runCommand(TAKE_MARK_SCRIPT, [markKey(id), mark])
      const [moved, marked] = await exec(multi)
      if (typeof moved === "number" && moved < 0) throw new Error(`moving job ${id} to delayed failed (${moved})`)
      if (marked === 1) await backend.promote(id).catch(() => undefined)
    }

    /** A `Done`'s look at its attempt's mark (`DONE_LUA`): true if the delivery is to start again. */
    const restarts = async (bullJob: BullJob, givenUp: boolean) => {
      const mark = attemptMark(bullJob)
      if (bullJob.id === undefined || mark === undefined) return false
      return (await client.runCommand(DONE_SCRIPT, [markKey(bullJob.id), mark, markTtlMs, givenUp ? "1" : ""])) === 1
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
         * The same BullMQ job, rewritten and delayed in one step: its id (the dedupe
         * key) stays pending. A `Retry` also takes its attempt's redelivery mark.
         */
        const requeue = (
          bullJob: BullJob,
          token: string | undefined,
          task: DeliveryJob.QueueTask,
          data: Data,
          delayMs: number,
          retry = false
        ) =>
          Effect.tryPromise(() => moveToDelayed(bullJob, token, data, delayMs, retry ? attemptMark(bullJob) : undefined)).pipe(
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
            Effect.as<Settlement>("moved")
          )

        /**
         * A delivery given up, or an ordered webhook's settled: started again at
         * attempt 1, due now, if a redelivery's mark says so (`DONE_LUA`); settled
         * otherwise (also if the mark cannot be read).
         */
        const finish = (
          bullJob: BullJob,
          token: string | undefined,
          job: DeliveryJob.DeliveryJob,
          version: JobData.Version,
          givenUp: boolean
        ) =>
          Effect.tryPromise(() => restarts(bullJob, givenUp)).pipe(
            Effect.catchAll((error) =>
              Effect.logWarning("reading a redelivery's mark failed; the delivery is settled", errorMessage(error.error)).pipe(
                Effect.annotateLogs(job.logAnnotations),
                Effect.as(false)
              )
            ),
            Effect.flatMap((restart) =>
              restart
                ? requeue(bullJob, token, job, JobData.encode(new DeliveryJob.DeliveryJob({ ...job, attempt: 1 }), 0, version), 0)
                : Effect.succeed<Settlement>("settled")
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
                    return (exit.value.givenUp === true || exit.value.sequenced === true) && !DeliveryJob.isFanOut(job)
                      ? finish(bullJob, token, job, version, exit.value.givenUp === true)
                      : Effect.succeed("settled")
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

        /**
         * The jobs this worker took whose outcome is not in Redis yet: from the
         * processor's start until it moved the job to delayed, or BullMQ completed
         * or failed it. What a stop cut short leaves to be run again.
         */
        const unrecorded = new Set<string>()
        const concurrency = Math.max(1, Math.floor(consumeOptions.concurrency) || 1)
        /** Aborted when the drain is cut short: interrupts the handlers in flight. */
        const stopping = new AbortController()
        // Each handler in flight listens to it: without this, Node warns of a leak past 10.
        setMaxListeners(concurrency, stopping.signal)

        const processor = async (bullJob: BullJob, token?: string): Promise<void> => {
          const id = bullJob.id ?? ""
          unrecorded.add(id)
          const settlement = await run(settle(bullJob, token), { signal: stopping.signal })
          if (settlement === "moved") {
            unrecorded.delete(id)
            // Tells BullMQ the job was moved to delayed by us, not failed.
            throw new DelayedError()
          }
        }

        /** A drain cut short: what was left, and what becomes of it. */
        const cutShort = (jobs: ReadonlyArray<string>) =>
          Effect.logWarning(
            `stopping the delivery worker took longer than ${Durations.format(drainTimeoutMs)} ` +
              "(Redis unreachable, or a delivery still running): its connections were ended " +
              (jobs.length === 0
                ? "with no job in flight"
                : `with ${jobs.length} job(s) in flight whose outcome was not recorded; they stay in the queue, ` +
                  "and once their lock expires a stalled check (another worker's, or this one's after a restart) " +
                  "runs them again")
          ).pipe(Effect.annotateLogs(jobs.length === 0 ? {} : { jobIds: jobs.slice(0, 100) }))

        const workerConnection = yield* connectionFor({ maxRetriesPerRequest: null })
        /** The worker's connections once it is ready (its own and its blocking one), for ending them. */
        let workerConnections: ReadonlyArray<Connection> = []
        const worker = yield* Effect.acquireRelease(
          Effect.sync(() => {
            const worker = new Worker<Data, void, string>(name, processor, {
              connection: workerConnection,
              prefix,
              concurrency,
              lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
              stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
              maxStalledCount: options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
              removeOnComplete: REMOVE_AT_ONCE,
              removeOnFail: REMOVE_AT_ONCE,
              // Started below, once ready, unless this queue is paused.
              autorun: false
            })
            const reportError = report("BullMQ worker error")
            // Once its connections were ended, every error is that; the warning says so once.
            worker.on("error", (error) => stopping.signal.aborted || reportError(error))
            worker.on("completed", (job) => unrecorded.delete(job.id ?? ""))
            worker.on("failed", (job) => job === undefined || unrecorded.delete(job.id ?? ""))
            workers.add(worker)
            return worker
          }),
          // `close()` waits for the jobs in flight and records their outcomes (the SIGTERM
          // drain), for `drainTimeoutMs` at most; then the connections are ended (so nothing
          // more is recorded) and the handlers interrupted, which lets the close finish.
          (worker) =>
            Effect.suspend(() => {
              workers.delete(worker)
              return closeWithin("worker", worker.close(), Duration.millis(drainTimeoutMs), () => {
                forced = true
                workerConnections.forEach(endConnection)
                stopping.abort()
              })
            }).pipe(Effect.tap((wasForced) => wasForced ? cutShort([...unrecorded]) : Effect.void))
        )
        yield* Effect.promise(() => worker.waitUntilReady())
        const workerBackend = worker.getBackend()
        const blockingClient = workerBackend.blockingClient
        workerConnections = [
          yield* Effect.promise(() => workerBackend.client),
          ...(blockingClient === undefined ? [] : [yield* Effect.promise(() => blockingClient)])
        ].map(asConnection)
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

    /**
     * The queue's epoch (`DeliveryQueue.epoch`): a random value set once under the queue's prefix
     * (`SET NX`, so every process agrees on the first), gone with everything else when Redis
     * restarts empty. Never expires: `noeviction` is required anyway.
     */
    const epochKey = queue.toKey("herald-epoch")
    const epoch = Effect.promise(async () => {
      const redis = asConnection(client)
      await redis.set(epochKey, randomUUID(), "NX")
      const value = await redis.get(epochKey)
      if (value === null) throw new Error("the queue's epoch vanished as it was written")
      return value
    })

    /** `DeliveryQueue.ping`: a PING on the queue's connection (one that waits to reconnect meanwhile). */
    const ping = Effect.tryPromise(() => asConnection(client).ping())

    /**
     * `DeliveryQueue.depth`: the counts by state, and how long the job next in line (the right end
     * of the wait list, which workers take from) has been due. BullMQ keeps no due time once a job
     * is waiting (its promotion zeroes `delay`): a job put back to wait (a retry, a defer) has its
     * own `due` field, set in the same step; one never put back was due at `timestamp` plus the
     * delay it was added with (`opts.delay`). One made due early (a redelivery) reads as not yet
     * due, so as 0: an age is never overstated.
     */
    const waitKey = queue.toKey("wait")
    const depth = Effect.tryPromise(async (): Promise<DeliveryQueue.QueueDepth> => {
      const redis = asConnection(client)
      const [counts, head] = await Promise.all([
        queue.getJobCounts("waiting", "prioritized", "delayed", "active", "failed"),
        redis.lindex(waitKey, -1)
      ])
      const [timestamp, opts, due] = head === null
        ? [null, null, null]
        : await redis.hmget(queue.toKey(head), "timestamp", "opts", DUE_FIELD)
      const since = due !== null && due !== undefined
        ? Number(due)
        : timestamp === null || timestamp === undefined
        ? undefined
        : Number(timestamp) + addedDelay(opts ?? null)
      return {
        waiting: (counts["waiting"] ?? 0) + (counts["prioritized"] ?? 0),
        delayed: counts["delayed"] ?? 0,
        active: counts["active"] ?? 0,
        failed: counts["failed"] ?? 0,
        oldestWaitingMs: since === undefined || !Number.isFinite(since) ? 0 : Math.max(0, Date.now() - since)
      }
    })

    return { enqueue, expedite, consume, size, pause, resume, epoch, ping, depth }
  })

/** The job hash's field holding when a job put back to wait is due again (`depth`). */
const DUE_FIELD = "due"

/** The delay a job was added with, from its stored options; 0 when they say none. */
const addedDelay = (opts: string | null): number => {
  if (opts === null) return 0
  try {
    const delay: unknown = (JSON.parse(opts) as { readonly delay?: unknown }).delay
    return typeof delay === "number" && Number.isFinite(delay) ? delay : 0
  } catch {
    return 0
  }
}

/** Provides the port and, for inspection, the same queue as `BullMQDeliveryQueue`. */
export const layer = (options: Options): Layer.Layer<DeliveryQueue.DeliveryQueue | BullMQDeliveryQueue> =>
  Layer.scopedContext(
    Effect.map(
      make(options),
      (queue) => Context.make(DeliveryQueue.DeliveryQueue, queue).pipe(Context.add(BullMQDeliveryQueue, queue))
    )
  )

/** A queue name as BullMQ takes it: it uses `:` to separate key parts, so a name must not contain one. */
export const parseQueueName = (text: string): Either.Either<string, string> =>
  text.length > 0 && !text.includes(":") ? Either.right(text) : Either.left("must be non-empty and contain no ':'")
