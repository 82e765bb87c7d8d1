// What the conformance suite cannot see: the raw jobs in Redis (ids only, one
// job id per key across retries), defect handling, a failed re-queue, recovery of a job whose
// worker died, the drain on close, pause/resume, and the configuration.
import { createHash } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { Queue, Worker } from "bullmq"
import { Redis } from "ioredis"
import { Deferred, Effect, Either, Exit, Fiber, Logger, LogLevel, Ref, Scope } from "effect"
import { DeliveryJob, Ids } from "@herald/core"
import { Fixtures, type RedisServer } from "@herald/testkit"
import { BullMQDeliveryQueue } from "../src/index.js"
import * as JobData from "../src/JobData.js"
import { available, options, useRedis } from "./Redis.js"

type Shape = BullMQDeliveryQueue.BullMQDeliveryQueueShape

const quiet = Logger.withMinimumLogLevel(LogLevel.None)

/** A plain ioredis client on the test Redis, to look at what BullMQ stored. */
const rawClient = (redis: RedisServer.RedisInstance) =>
  Effect.acquireRelease(Effect.sync(() => new Redis(redis.url)), (client) => Effect.promise(() => client.quit()))

const recorder = Effect.gen(function*() {
  const handled = yield* Ref.make<ReadonlyArray<DeliveryJob.DeliveryJob>>([])
  // These tests enqueue delivery jobs only.
  const record = (job: DeliveryJob.QueueTask) =>
    DeliveryJob.isFanOut(job) ? Effect.dieMessage("unexpected fan-out task") : Ref.update(handled, (all) => [...all, job])
  const attempts = Effect.map(Ref.get(handled), (all) => all.map((job) => job.attempt))
  const waitFor = (n: number) =>
    Fixtures.eventually(`${n} job(s) handled`, Effect.map(Ref.get(handled), (all) => all.length >= n))
  return { handled, record, attempts, waitFor } as const
})

describe("JobData.jobId", () => {
  it("differs for every (webhook, event) pair", () => {
    const teamspace = Fixtures.teamspace()
    const webhooks = Array.from({ length: 20 }, () => Fixtures.webhook({ teamspace }).id)
    // Generated ids and ids chosen by a publisher.
    const events = Array.from({ length: 50 }, (_, i) => i % 2 === 0 ? Ids.makeEventId() : Ids.EventId.make(`order-${i}`))
    const ids = new Set<string>()
    for (const webhookId of webhooks) {
      for (const eventId of events) ids.add(JobData.jobId(new DeliveryJob.DeliveryJob({ teamspace, eventId, webhookId, attempt: 1 })))
    }
    expect(ids.size).toBe(webhooks.length * events.length)
  })
})

describe.skipIf(!available)("BullMQDeliveryQueue", () => {
  const redis = useRedis()

  /** Runs `body` with a queue of its own (fresh name) and its options. */
  const withQueue = <A, E>(
    body: (queue: Shape, opts: BullMQDeliveryQueue.Options) => Effect.Effect<A, E, Scope.Scope>,
    extra: Partial<BullMQDeliveryQueue.Options> = {}
  ) =>
    Effect.suspend(() => {
      const opts = options(redis(), extra)
      return Effect.flatMap(BullMQDeliveryQueue.BullMQDeliveryQueue, (queue) => body(queue, opts)).pipe(
        Effect.scoped,
        Effect.provide(BullMQDeliveryQueue.layer(opts)),
        quiet
      )
    })

  const jobKey = (opts: BullMQDeliveryQueue.Options, id: string) => `${opts.prefix}:${opts.queueName}:${id}`

  it.live("a job stores ids only, under an id derived from the delivery's key, as a compact hash", () =>
    withQueue((queue, opts) =>
      Effect.gen(function*() {
        const client = yield* rawClient(redis())
        const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
        const id = JobData.jobId(job)
        // The webhook's ULID, then 72 bits of the event id's SHA-256.
        const digest = createHash("sha256").update(job.eventId).digest("base64url").slice(0, 12)
        expect(id).toBe(`${job.webhookId.slice("wh_".length)}.${digest}`)
        expect(id.length).toBeLessThanOrEqual(39)
        yield* queue.enqueue([job])
        const stored = yield* Effect.promise(() => client.hgetall(jobKey(opts, id)))
        expect(stored["name"]).toBe(job.teamspace)
        expect(JSON.parse(stored["data"] ?? "null")).toEqual({ v: 2, e: job.eventId })
        // Nothing but the id: removal and retries are the workers' settings.
        expect(JSON.parse(stored["opts"] ?? "null")).toEqual({ jobId: id, attempts: 0 })
        // Every value short enough for Redis to keep the hash as a listpack.
        expect(yield* Effect.promise(() => client.object("ENCODING", jobKey(opts, id)))).toBe("listpack")
        expect(yield* queue.size).toEqual({ ready: 1, delayed: 0, inFlight: 0 })
        // The same pair again (a later attempt has the same key) finds the same job.
        yield* queue.enqueue([job, job.next()])
        expect(yield* queue.size).toEqual({ ready: 1, delayed: 0, inFlight: 0 })
      })
    ))

  it.live("Retry keeps the same job id, delayed, as the next attempt", () =>
    withQueue((queue, opts) =>
      Effect.gen(function*() {
        const client = yield* rawClient(redis())
        const { attempts, record, waitFor } = yield* recorder
        const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
        yield* queue.consume((j) => Effect.as(record(j), DeliveryJob.retryAfter(60_000)), { concurrency: 1 })
        yield* queue.enqueue([job])
        yield* waitFor(1)
        yield* Fixtures.eventually(
          "the retry is delayed",
          Effect.map(queue.size, (size) => size.delayed === 1 && size.inFlight === 0)
        )
        const data = yield* Effect.promise(() => client.hget(jobKey(opts, JobData.jobId(job)), "data"))
        expect(JSON.parse(data ?? "null")).toEqual({ v: 2, e: job.eventId, a: 2 })
        const delayedIds = yield* Effect.promise(() => client.zrange(`${opts.prefix}:${opts.queueName}:delayed`, 0, -1))
        expect(delayedIds).toEqual([JobData.jobId(job)])
        expect(yield* attempts).toEqual([1])
        // Still pending: enqueueing the pair again is a no-op.
        yield* queue.enqueue([job])
        expect(yield* queue.size).toEqual({ ready: 0, delayed: 1, inFlight: 0 })
      })
    ))

  it.live("depth: the job next in line is as old as it has been due, a retried one since its retry's delay ended", () =>
    withQueue((queue, opts) =>
      Effect.gen(function*() {
        const client = yield* rawClient(redis())
        const teamspace = Fixtures.teamspace()
        const [retried, first, second] = [0, 1, 2].map(() => Fixtures.job({ teamspace }))
        let retriedAt = 0
        // One consumer: the retried job's first attempt asks for 1 s; two slow jobs then hold the
        // consumer, so the retried job, once due, waits in line behind the second.
        yield* queue.consume((job) =>
          DeliveryJob.isFanOut(job) ? Effect.succeed(DeliveryJob.done)
          : job.key === retried!.key && job.attempt === 1
          ? Effect.sync(() => {
            retriedAt = Date.now()
            return DeliveryJob.retryAfter(1_000)
          })
          : job.key === retried!.key
          ? Effect.succeed(DeliveryJob.done)
          : Effect.as(Effect.sleep(job.key === first!.key ? 1_500 : 4_000), DeliveryJob.done), { concurrency: 1 })
        yield* queue.enqueue([retried!])
        yield* queue.enqueue([first!, second!])
        const depth = queue.depth!
        yield* Fixtures.eventually(
          "the retried job waits, next in line, while the second slow one runs",
          Effect.map(
            Effect.promise(() => client.lindex(`${opts.prefix}:${opts.queueName}:wait`, -1)),
            (head) => head === JobData.jobId(retried!)
          )
        )
        const due = Number(yield* Effect.promise(() => client.hget(jobKey(opts, JobData.jobId(retried!)), "due")))
        expect(due).toBeGreaterThanOrEqual(retriedAt + 1_000)
        const before = Date.now()
        const { oldestWaitingMs } = yield* Effect.orDie(depth)
        // Since it was due, not since its first attempt (which would add the whole second of delay).
        expect(oldestWaitingMs).toBeLessThanOrEqual(Date.now() - due)
        expect(oldestWaitingMs).toBeGreaterThanOrEqual(before - due)
      })
    ), 20_000)

  /**
   * Round trips to Redis that name `id`, from MONITOR's log: a MULTI ... EXEC is
   * one, any other command one each.
   */
  const roundTrips = (log: ReadonlyArray<{ readonly source: string; readonly args: ReadonlyArray<string> }>, id: string) => {
    const trips: Array<ReadonlyArray<string>> = []
    const open = new Map<string, Array<string>>()
    for (const { args, source } of log) {
      const command = args[0]!.toLowerCase()
      const names = args.some((arg) => arg.includes(id))
      const transaction = open.get(source)
      if (command === "multi") open.set(source, [])
      else if (command === "exec" && transaction !== undefined) {
        open.delete(source)
        if (transaction.length > 0) trips.push(transaction)
      } else if (transaction !== undefined) {
        if (names) transaction.push(command)
      } else if (names) trips.push([command])
    }
    return trips
  }

  it.live("a Retry nobody redelivered is one round trip", () =>
    withQueue((queue) =>
      Effect.gen(function*() {
        const monitor = yield* Effect.acquireRelease(
          Effect.promise(() => new Redis(redis().url).monitor()),
          (client) => Effect.sync(() => client.disconnect())
        )
        const log: Array<{ source: string; args: ReadonlyArray<string> }> = []
        monitor.on("monitor", (_time: string, args: ReadonlyArray<string>, source: string) => {
          // A script's own commands are logged with source "lua".
          if (source !== "lua") log.push({ source, args })
        })
        const client = yield* rawClient(redis())
        const logged = (label: string) =>
          Fixtures.eventually(`${label} logged`, Effect.sync(() => log.some((entry) => entry.args[1] === label))).pipe(
            Effect.map(() => log.findIndex((entry) => entry.args[1] === label))
          )
        const { record, waitFor } = yield* recorder
        const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
        // The handler's last word, logged before anything the worker does with its outcome.
        yield* queue.consume(
          (j) => Effect.as(Effect.zipRight(record(j), Effect.promise(() => client.echo("handled"))), DeliveryJob.retryAfter(60_000)),
          { concurrency: 1 }
        )
        yield* queue.enqueue([job])
        yield* waitFor(1)
        yield* Fixtures.eventually("the retry is delayed", Effect.map(queue.size, (size) => size.delayed === 1))
        const start = yield* logged("handled")
        yield* Effect.promise(() => client.echo("delayed"))
        const end = yield* logged("delayed")
        // Before: the data, the move and a read of the redelivery mark, one after the other.
        expect(roundTrips(log.slice(start + 1, end), JobData.jobId(job))).toHaveLength(1)
      })
    ))

  it.live("expedite of many delayed jobs: one add each (pipelined) and one transaction, and every one runs", () =>
    withQueue((queue) =>
      Effect.gen(function*() {
        const monitor = yield* Effect.acquireRelease(
          Effect.promise(() => new Redis(redis().url).monitor()),
          (client) => Effect.sync(() => client.disconnect())
        )
        const log: Array<{ source: string; args: ReadonlyArray<string> }> = []
        monitor.on("monitor", (_time: string, args: ReadonlyArray<string>, source: string) => {
          if (source !== "lua") log.push({ source, args })
        })
        // Where the log of expedite's calls begins and ends: an ECHO before and after, once logged.
        const client = yield* rawClient(redis())
        const marker = (label: string) =>
          Effect.promise(() => client.echo(label)).pipe(
            Effect.zipRight(Fixtures.eventually(`${label} logged`, Effect.sync(() => log.some((entry) => entry.args[1] === label)))),
            Effect.map(() => log.findIndex((entry) => entry.args[1] === label))
          )
        const { handled, record, waitFor } = yield* recorder
        const teamspace = Fixtures.teamspace()
        const jobs = Array.from({ length: 50 }, () => Fixtures.job({ teamspace }))
        yield* queue.enqueue(jobs, { delayMs: 60_000 })
        const start = yield* marker("expedite-start")
        yield* queue.expedite(jobs)
        const end = yield* marker("expedite-end")
        // Consumed only now, so the log holds expedite's calls alone.
        yield* queue.consume((j) => Effect.as(record(j), DeliveryJob.done), { concurrency: 4 })
        const ids = new Set(jobs.map(JobData.jobId))
        const during = log.slice(start + 1, end)
        const trips = [...ids].flatMap((id) => roundTrips(during, id).map((trip) => trip.join(" ")))
        // Per job: its add (BullMQ pipelines them) and its part of one transaction; before, four calls each.
        expect(trips.filter((trip) => trip.includes(" ")).length).toBe(jobs.length)
        expect(trips.length).toBe(2 * jobs.length)
        yield* waitFor(jobs.length)
        expect(new Set((yield* Ref.get(handled)).map((job) => job.key))).toEqual(new Set(jobs.map((job) => job.key)))
      })
    ))

  it.live("a redelivery after a give-up's look, before the job completes, waits for it and adds the delivery anew", () =>
    withQueue((queue, opts) =>
      Effect.gen(function*() {
        const client = yield* rawClient(redis())
        const { attempts, record, waitFor } = yield* recorder
        const gate = yield* Deferred.make<void>()
        const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
        const id = JobData.jobId(job)
        let calls = 0
        yield* queue.consume(
          (j) => Effect.zipRight(record(j), ++calls === 1 ? Effect.as(Deferred.await(gate), DeliveryJob.done) : Effect.succeed(DeliveryJob.done)),
          { concurrency: 2 }
        )
        yield* queue.enqueue([job])
        yield* waitFor(1)
        // Where a give-up's look leaves things: its attempt marked as settling, the job still in flight.
        const processedOn = yield* Effect.promise(() => client.hget(jobKey(opts, id), "processedOn"))
        yield* Effect.promise(() => client.set(jobKey(opts, `herald-expedite:${id}`), `settling:${processedOn}`, "PX", 60_000))
        const expediting = yield* Effect.fork(queue.expedite([job]))
        yield* Effect.sleep("100 millis")
        // The attempt completes (the give-up's settling): the redelivery then starts the delivery again.
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.join(expediting)
        yield* waitFor(2)
        expect(yield* attempts).toEqual([1, 1])
      })
    ))

  it.live("a redelivery mark left for another attempt is not taken: the Retry keeps its delay", () =>
    withQueue((queue, opts) =>
      Effect.gen(function*() {
        const client = yield* rawClient(redis())
        const { attempts, record, waitFor } = yield* recorder
        const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
        const mark = jobKey(opts, `herald-expedite:${JobData.jobId(job)}`)
        // An earlier attempt's mark (a processedOn long past), still there when this attempt retries.
        const handle = (j: DeliveryJob.QueueTask) =>
          Effect.promise(() => client.set(mark, "1", "PX", 60_000)).pipe(
            Effect.zipRight(record(j)),
            Effect.as(DeliveryJob.retryAfter(60_000))
          )
        yield* queue.consume(handle, { concurrency: 1 })
        yield* queue.enqueue([job])
        yield* waitFor(1)
        yield* Fixtures.eventually("the retry is delayed", Effect.map(queue.size, (size) => size.delayed === 1))
        yield* Effect.sleep("300 millis")
        expect(yield* attempts).toEqual([1])
        expect(yield* queue.size).toEqual({ ready: 0, delayed: 1, inFlight: 0 })
        expect(yield* Effect.promise(() => client.get(mark))).toBe("1")
      })
    ))

  it.live("a job written by an earlier version (version 1, under the key) is handled and retried as version 1", () =>
    withQueue((queue, opts) =>
      Effect.gen(function*() {
        const client = yield* rawClient(redis())
        const { handled, record, waitFor } = yield* recorder
        const raw = yield* Effect.acquireRelease(
          Effect.sync(() => new Queue(opts.queueName!, { connection: { url: redis().url }, prefix: opts.prefix! })),
          (q) => Effect.promise(() => q.close())
        )
        const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
        yield* Effect.promise(() =>
          raw.add("deliver", { v: 1, teamspace: job.teamspace, eventId: job.eventId, webhookId: job.webhookId, attempt: 1 }, {
            jobId: job.key,
            removeOnComplete: true,
            removeOnFail: true,
            attempts: 4,
            backoff: { type: "fixed", delay: 1_000 }
          })
        )
        yield* queue.consume(
          (j) => Effect.as(record(j), !DeliveryJob.isFanOut(j) && j.attempt === 1 ? DeliveryJob.retryAfter(0) : DeliveryJob.done),
          { concurrency: 1 }
        )
        yield* waitFor(2)
        expect((yield* Ref.get(handled)).map((j) => ({ ...j }))).toEqual([{ ...job }, { ...job.next() }])
        yield* Fixtures.eventually(
          "settled and removed",
          Effect.map(Effect.promise(() => client.exists(jobKey(opts, job.key))), (n) => n === 0)
        )
      })
    ))

  it.live("a handler that dies is retried as the same attempt, then settled after the bound", () =>
    withQueue((queue, opts) =>
      Effect.gen(function*() {
        const client = yield* rawClient(redis())
        const { attempts, record, waitFor } = yield* recorder
        const flaky = Fixtures.job({ teamspace: Fixtures.teamspace() })
        const broken = Fixtures.job({ teamspace: Fixtures.teamspace() })
        let flakyRuns = 0
        yield* queue.consume(
          (j) =>
            Effect.zipRight(
              record(j),
              j.key === broken.key || (j.key === flaky.key && flakyRuns++ === 0)
                ? Effect.die(new Error("boom"))
                : Effect.succeed(DeliveryJob.done)
            ),
          { concurrency: 2 }
        )
        yield* queue.enqueue([flaky, broken])
        // flaky: dies once, then Done. broken: 1 run + MAX_DEFECT_RETRIES retries.
        yield* waitFor(2 + 1 + BullMQDeliveryQueue.MAX_DEFECT_RETRIES)
        yield* Fixtures.eventually(
          "both settled",
          Effect.map(queue.size, (size) => size.ready + size.delayed + size.inFlight === 0)
        )
        expect(yield* attempts).toEqual(Array.from({ length: 6 }, () => 1))
        // Settled means removed: the keys are free again.
        expect(
          yield* Effect.promise(() => client.exists(jobKey(opts, JobData.jobId(flaky)), jobKey(opts, JobData.jobId(broken))))
        ).toBe(0)
      })
    ))

  it.live("a job whose data cannot be decoded is dropped, not retried", () =>
    withQueue((queue, opts) =>
      Effect.gen(function*() {
        const { attempts, record, waitFor } = yield* recorder
        const raw = yield* Effect.acquireRelease(
          Effect.sync(() => new Queue(opts.queueName!, { connection: { url: redis().url }, prefix: opts.prefix! })),
          (q) => Effect.promise(() => q.close())
        )
        yield* Effect.promise(() =>
          raw.add("deliver", { v: 99, payload: "not ours" }, { jobId: "bad", removeOnComplete: true, removeOnFail: true })
        )
        const good = Fixtures.job({ teamspace: Fixtures.teamspace() })
        yield* queue.consume((j) => Effect.as(record(j), DeliveryJob.done), { concurrency: 1 })
        yield* queue.enqueue([good])
        yield* waitFor(1)
        yield* Fixtures.eventually("the bad job is gone", Effect.map(Effect.promise(() => raw.getJob("bad")), (job) => job === undefined))
        expect(yield* attempts).toEqual([1])
      })
    ))

  it.live("a job taken by a worker that died is recovered by another consumer", () =>
    withQueue((queue, opts) =>
      Effect.gen(function*() {
        const { handled, record, waitFor } = yield* recorder
        const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
        const taken = yield* Deferred.make<void>()
        // The doomed worker: takes the job, hangs, and its process "dies" (force
        // close: no drain, no more lock renewals) while the job is active.
        const doomed = new Worker(
          opts.queueName!,
          () => {
            Deferred.unsafeDone(taken, Exit.void)
            return new Promise<never>(() => {})
          },
          // Same stalled interval as the survivor: a stalled check takes a queue-wide
          // "checked recently" key for one interval, so a longer one would hold it off.
          { connection: { url: redis().url, maxRetriesPerRequest: null }, prefix: opts.prefix!, lockDuration: 500, stalledInterval: 200 }
        )
        doomed.on("error", () => {})
        yield* queue.enqueue([job])
        yield* Deferred.await(taken)
        yield* Effect.promise(() => doomed.close(true))
        expect(yield* queue.size).toEqual({ ready: 0, delayed: 0, inFlight: 1 })

        yield* queue.consume((j) => Effect.as(record(j), DeliveryJob.done), { concurrency: 1 })
        yield* waitFor(1)
        expect((yield* Ref.get(handled)).map((j) => [j.key, j.attempt])).toEqual([[job.key, 1]])
        yield* Fixtures.eventually(
          "settled",
          Effect.map(queue.size, (size) => size.ready + size.delayed + size.inFlight === 0)
        )
      }), { stalledIntervalMs: 200, lockDurationMs: 1_000 }))

  it.live("closing the consumer's scope waits for a handler in flight and records its Retry", () =>
    withQueue((queue, opts) =>
      Effect.gen(function*() {
        const client = yield* rawClient(redis())
        const { record, waitFor } = yield* recorder
        const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
        const finished = yield* Ref.make(false)
        const scope = yield* Scope.make()
        yield* Scope.extend(
          queue.consume(
            (j) =>
              record(j).pipe(
                Effect.zipRight(Effect.sleep("300 millis")),
                Effect.zipRight(Ref.set(finished, true)),
                Effect.as(DeliveryJob.retryAfter(60_000))
              ),
            { concurrency: 1 }
          ),
          scope
        )
        yield* queue.enqueue([job])
        yield* waitFor(1)
        yield* Scope.close(scope, Exit.void)
        expect(yield* Ref.get(finished)).toBe(true)
        expect(yield* queue.size).toEqual({ ready: 0, delayed: 1, inFlight: 0 })
        const data = yield* Effect.promise(() => client.hget(jobKey(opts, JobData.jobId(job)), "data"))
        expect(JSON.parse(data ?? "null")).toMatchObject({ a: 2 })
      })
    ))

  it.live("a re-queue that fails is tried again, its warning naming the delivery, and the Retry still lands", () =>
    Effect.gen(function*() {
      const warnings: Array<{ readonly message: unknown; readonly annotations: Record<string, unknown> }> = []
      const logger = Logger.make(({ annotations, logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push({ message, annotations: Object.fromEntries(annotations) })
      })
      const opts = options(redis())
      yield* Effect.gen(function*() {
        const queue = yield* BullMQDeliveryQueue.BullMQDeliveryQueue
        const client = yield* rawClient(redis())
        const { record, waitFor } = yield* recorder
        const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
        const key = jobKey(opts, JobData.jobId(job))
        // The handler takes the job's hash away, so the first re-queue (updateData) fails,
        // and puts it back after 100 ms, before the retry 500 ms later.
        yield* queue.consume(
          (j) =>
            Effect.gen(function*() {
              yield* record(j)
              const fields = yield* Effect.promise(() => client.hgetall(key))
              yield* Effect.promise(() => client.del(key))
              yield* Effect.forkDaemon(
                Effect.sleep("100 millis").pipe(Effect.zipRight(Effect.promise(() => client.hset(key, fields))))
              )
              return DeliveryJob.retryAfter(60_000)
            }),
          { concurrency: 1 }
        )
        yield* queue.enqueue([job])
        yield* waitFor(1)
        yield* Fixtures.eventually(
          "the retry is delayed",
          Effect.map(queue.size, (size) => size.delayed === 1 && size.inFlight === 0)
        )
        const data = yield* Effect.promise(() => client.hget(key, "data"))
        expect(JSON.parse(data ?? "null")).toEqual({ v: 2, e: job.eventId, a: 2 })
        const failed = warnings.filter((line) => String(line.message).includes("re-queueing a delivery failed; retrying"))
        expect(failed).toHaveLength(1)
        expect(failed[0]!.annotations).toMatchObject({ eventId: job.eventId, webhookId: job.webhookId, attempt: 1 })
      }).pipe(
        Effect.scoped,
        Effect.provide(BullMQDeliveryQueue.layer(opts)),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.Warning)
      )
    }))

  it.live("pause lets a backlog build up; resume works it off", () =>
    withQueue((queue) =>
      Effect.gen(function*() {
        const { handled, record } = yield* recorder
        const teamspace = Fixtures.teamspace()
        yield* queue.pause
        yield* queue.consume((j) => Effect.as(record(j), DeliveryJob.done), { concurrency: 2 })
        yield* queue.enqueue(Array.from({ length: 5 }, () => Fixtures.job({ teamspace })))
        yield* Effect.sleep("300 millis")
        expect((yield* Ref.get(handled)).length).toBe(0)
        expect(yield* queue.size).toEqual({ ready: 5, delayed: 0, inFlight: 0 })
        yield* queue.resume
        yield* Fixtures.eventually("backlog worked off", Effect.map(Ref.get(handled), (all) => all.length === 5))
      })
    ))
})

describe("BullMQDeliveryQueue.parseQueueName", () => {
  it("refuses an empty name or one with ':' (HERALD_QUEUE_NAME is read in @herald/runtime's Environment)", () => {
    expect(BullMQDeliveryQueue.parseQueueName("deliveries")).toEqual(Either.right("deliveries"))
    expect(Either.isLeft(BullMQDeliveryQueue.parseQueueName("a:b"))).toBe(true)
    expect(Either.isLeft(BullMQDeliveryQueue.parseQueueName(""))).toBe(true)
  })
})
