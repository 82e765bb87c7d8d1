// Stopping is bounded: closing a worker's scope completes after `drainTimeoutMs`
// even when Redis is unreachable (BullMQ's own close then waits for ever), says
// what it left behind, and leaves it in the queue: a job in flight is run again,
// as stalled, by the next worker. Each test has a Redis of its own, which it stops.
// Nothing here measures time: a close that hangs fails on the test's timeout.
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Logger, LogLevel, Ref, Scope } from "effect"
import { DeliveryJob } from "@herald/core"
import { Fixtures, RedisServer } from "@herald/testkit"
import { BullMQDeliveryQueue } from "../src/index.js"
import * as JobData from "../src/JobData.js"
import { options } from "./Redis.js"

/** A private Redis, closed with the test's scope; AOF on, so jobs survive a restart. */
const ownedRedis = Effect.acquireRelease(
  Effect.promise(() => RedisServer.startOwned({ appendOnly: true })),
  (redis) => Effect.promise(() => redis.close())
)

interface Line {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** Runs `effect` with the warnings and errors it logs collected in the array it is given. */
const withLogs = <A, E, R>(effect: (lines: ReadonlyArray<Line>) => Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const lines: Array<Line> = []
    const logger = Logger.make(({ annotations, logLevel, message }) => {
      const text = Array.isArray(message) ? message.join(" ") : String(message)
      lines.push({ level: logLevel.label, message: text, annotations: Object.fromEntries(annotations) })
    })
    return effect(lines).pipe(
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.Warning)
    )
  })

/** The warning a drain cut short logs. */
const cutShort = (lines: ReadonlyArray<Line>) => lines.filter((line) => line.message.startsWith("stopping the delivery worker"))

/**
 * Stops `redis` and waits until the worker has tried to reconnect: its connections are then
 * waiting to reconnect, the state in which BullMQ's close hangs (a close begun sooner may
 * still find them as they were, and finish).
 */
const stopRedis = (redis: RedisServer.RedisInstance, lines: ReadonlyArray<Line>) =>
  Effect.promise(() => redis.stop()).pipe(
    Effect.zipRight(Fixtures.eventually(
      "the worker reconnecting",
      Effect.sync(() => lines.some((line) => line.message.startsWith("BullMQ worker error")))
    ))
  )

/** Errors: a BullMQ close left behind (still pending after its connections were ended) would log one. */
const errors = (lines: ReadonlyArray<Line>) => lines.filter((line) => line.level === "ERROR").map((line) => line.message)

/**
 * A queue and a consumer in a scope of their own, given a job (`hangs`) or not (`idle`); the
 * handler tells when it has the job and never finishes. Returns that scope (to close) and the job.
 */
const startWorker = (opts: BullMQDeliveryQueue.Options, handler: "hangs" | "idle") =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const taken = yield* Deferred.make<void>()
    const queue = yield* BullMQDeliveryQueue.make(opts).pipe(Scope.extend(scope))
    yield* queue.consume(() => Deferred.succeed(taken, undefined).pipe(Effect.zipRight(Effect.never)), { concurrency: 2 })
      .pipe(Scope.extend(scope))
    const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
    if (handler === "hangs") yield* queue.enqueue([job])
    return { scope, job, taken: Deferred.await(taken) }
  })

/** A worker on `opts`'s queue that records what it is given, in the caller's scope. */
const recordingWorker = (opts: BullMQDeliveryQueue.Options) =>
  Effect.gen(function*() {
    const handled = yield* Ref.make<ReadonlyArray<DeliveryJob.DeliveryJob>>([])
    const queue = yield* BullMQDeliveryQueue.make(opts)
    // These tests enqueue delivery jobs only.
    const record = (job: DeliveryJob.QueueTask) =>
      DeliveryJob.isFanOut(job) ? Effect.dieMessage("unexpected fan-out task") : Ref.update(handled, (all) => [...all, job])
    yield* queue.consume((job) => Effect.as(record(job), DeliveryJob.done), { concurrency: 1 })
    return { queue, handled }
  })

describe.skipIf(!RedisServer.hasRedisServer())("stopping a BullMQ worker", () => {
  it.live("with Redis down and nothing in flight, the close completes and says its connections were ended", () =>
    withLogs((lines) =>
      Effect.gen(function*() {
        const redis = yield* ownedRedis
        const { scope } = yield* startWorker(options(redis, { drainTimeoutMs: 300 }), "idle")
        yield* stopRedis(redis, lines)
        yield* Scope.close(scope, Exit.void)
        expect(cutShort(lines).map((line) => line.message)).toEqual([expect.stringContaining("with no job in flight")])
        expect(errors(lines)).toEqual([])
      })
    ).pipe(Effect.scoped))

  it.live("a close begun while Redis is down completes when Redis returns during it", () =>
    withLogs((lines) =>
      Effect.gen(function*() {
        const redis = yield* ownedRedis
        const { scope } = yield* startWorker(options(redis, { drainTimeoutMs: 2_000 }), "idle")
        yield* stopRedis(redis, lines)
        const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
        yield* Effect.promise(() => redis.restart())
        yield* Fiber.join(closing)
        expect(errors(lines)).toEqual([])
      })
    ).pipe(Effect.scoped))

  it.live("a worker with more handlers in flight than Node's default of ten listeners draws no leak warning", () =>
    Effect.gen(function*() {
      const redis = yield* ownedRedis
      const warnings: Array<string> = []
      const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`)
      yield* Effect.acquireRelease(
        Effect.sync(() => process.on("warning", onWarning)),
        () => Effect.sync(() => process.off("warning", onWarning))
      )
      const queue = yield* BullMQDeliveryQueue.make(options(redis))
      const running = yield* Ref.make(0)
      const release = yield* Deferred.make<void>()
      yield* queue.consume(
        () => Ref.update(running, (n) => n + 1).pipe(Effect.zipRight(Deferred.await(release)), Effect.as(DeliveryJob.done)),
        { concurrency: 20 }
      )
      const teamspace = Fixtures.teamspace()
      yield* queue.enqueue(Array.from({ length: 20 }, () => Fixtures.job({ teamspace })))
      yield* Fixtures.eventually("20 handlers in flight", Effect.map(Ref.get(running), (n) => n === 20))
      // Node emits the warning on the tick after the eleventh listener: long past.
      expect(warnings).toEqual([])
      yield* Deferred.succeed(release, undefined)
    }).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.None)))

  // Redis down: nothing can be recorded. Redis up, a handler slower than the drain: the
  // interrupted handler must not be recorded as failed either (BullMQ would drop the job).
  for (const redisDuring of ["down", "up"] as const) {
    it.live(`with a job in flight and Redis ${redisDuring}, the close completes, names the job, and the job is run again as stalled`, () =>
      withLogs((lines) =>
        Effect.gen(function*() {
          const redis = yield* ownedRedis
          // A short lock and stall check, so the next worker recovers the job soon.
          const opts = options(redis, { drainTimeoutMs: 300, lockDurationMs: 1_000, stalledIntervalMs: 200 })
          const { job, scope, taken } = yield* startWorker(opts, "hangs")
          yield* taken
          if (redisDuring === "down") yield* stopRedis(redis, lines)
          yield* Scope.close(scope, Exit.void)
          expect(cutShort(lines)).toEqual([{
            level: "WARN",
            message: expect.stringContaining("1 job(s) in flight whose outcome was not recorded"),
            annotations: { jobIds: [JobData.jobId(job)] }
          }])
          expect(errors(lines)).toEqual([])
          if (redisDuring === "down") yield* Effect.promise(() => redis.restart())

          const { handled, queue } = yield* recordingWorker(opts)
          yield* Fixtures.eventually("the job is run again", Effect.map(Ref.get(handled), (all) => all.length > 0))
          expect((yield* Ref.get(handled)).map((again) => [again.key, again.attempt])).toEqual([[job.key, job.attempt]])
          yield* Fixtures.eventually(
            "settled",
            Effect.map(queue.size, (size) => size.ready + size.delayed + size.inFlight === 0)
          )
        })
      ).pipe(Effect.scoped))
  }
})
