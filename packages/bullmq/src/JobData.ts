/**
 * What a BullMQ job stores: ids only, versioned so the shape can evolve while
 * old jobs are still queued (a reader accepts every version it knows, and a job
 * re-queued for a retry keeps the version it was written with).
 *
 * Version 2 (deliveries) is laid out for Redis memory: a pending delivery is
 * one small hash, and Redis keeps a hash compact (a listpack, about a third of
 * the size of a hashtable) only while every value is at most 64 bytes
 * (`hash-max-listpack-value`). BullMQ stores the job id inside the `opts` value
 * (`{"jobId":"...","attempts":0}`), so the id may have at most 39 characters:
 * - job id: the webhook id's ULID (26 characters, the `wh_` dropped) `.` the
 *   first 12 base64url characters (72 bits) of the event id's SHA-256. Derived
 *   from the delivery's key, so enqueueing the pair twice still finds the same
 *   job (the dedupe); two events of one webhook would have to collide while both
 *   are pending to share it.
 * - job name: the teamspace (at most 64 characters by its schema).
 * - data: `{"v":2,"e":<event id>}`, plus `"a"` (attempt) once past the first,
 *   `"d"` (defects) when a handler died on this attempt, and `"r":1` when the
 *   reconciler enqueued it (`DeliveryJob.reconciled`; absent in jobs written
 *   before it existed, which read as not reconciled; a reader that predates it
 *   ignores it, and runs the job as any other).
 * An event id longer than 50 characters makes the data longer than 64 bytes:
 * that job is stored as a hashtable, larger but just as correct.
 *
 * Version 1 (fan-out steps, and deliveries written before version 2) is a JSON
 * object with every field, under the task's own key.
 *
 * `defects` counts how often a handler died on the current attempt; it is part
 * of the job so the bound holds across processes (any worker may pick the retry up).
 */
import { createHash } from "node:crypto"
import { Either, ParseResult, Schema } from "effect"
import { DeliveryJob, Ids } from "@herald/core"

const Defects = Schema.optionalWith(Schema.Number.pipe(Schema.int(), Schema.nonNegative()), { default: () => 0 })

/** A delivery. `kind` is absent in jobs written before fan-out steps existed. */
const DeliverV1 = Schema.Struct({
  v: Schema.Literal(1),
  kind: Schema.optional(Schema.Literal("deliver")),
  ...DeliveryJob.DeliveryJob.fields,
  defects: Defects
})

/** One step of a large fan-out. */
const FanOutV1 = Schema.Struct({
  v: Schema.Literal(1),
  kind: Schema.Literal("fanout"),
  ...DeliveryJob.FanOutJob.fields,
  defects: Defects
})

/** A delivery: the event id; the webhook comes from the job id, the teamspace from the job name. */
const DeliverV2 = Schema.Struct({
  v: Schema.Literal(2),
  e: Ids.EventId,
  a: Schema.optionalWith(Schema.Number.pipe(Schema.int(), Schema.positive()), { default: () => 1 }),
  d: Defects,
  r: Schema.optional(Schema.Literal(1)),
  /** The delivery's `traceparent` (`DeliveryJob.trace`), when its publish was traced. */
  t: Schema.optional(Schema.String)
})

const Stored = Schema.Union(DeliverV2, FanOutV1, DeliverV1)

/** The stored form (plain JSON; BullMQ serialises it with `JSON.stringify`). */
export type Encoded = typeof Stored.Encoded

export type Version = 1 | 2

export interface Decoded {
  readonly job: DeliveryJob.QueueTask
  readonly defects: number
  /** The layout the job was written in, which its re-queued data must keep. */
  readonly version: Version
}

/** What BullMQ needs to add a job besides its options. */
export interface Added {
  readonly id: string
  readonly name: string
  readonly data: Encoded
}

/** 72 bits of the event id: the rest of a version 2 job id. */
const eventDigest = (eventId: string) => createHash("sha256").update(eventId).digest("base64url").slice(0, 12)

const WEBHOOK_PREFIX = "wh_"

/** The job id of a task written now: version 2 for deliveries, the task's own key for fan-out steps. */
export const jobId = (task: DeliveryJob.QueueTask): string =>
  DeliveryJob.isFanOut(task) ? task.key : `${task.webhookId.slice(WEBHOOK_PREFIX.length)}.${eventDigest(task.eventId)}`

/** The job data, in the given layout (a re-queued job keeps the one it was added with). */
export const encode = (job: DeliveryJob.QueueTask, defects = 0, version: Version = 2): Encoded => {
  if (DeliveryJob.isFanOut(job)) {
    return {
      v: 1,
      kind: "fanout",
      teamspace: job.teamspace,
      eventId: job.eventId,
      after: job.after,
      ...(job.owed === undefined ? {} : { owed: job.owed }),
      ...(job.trace === undefined ? {} : { trace: job.trace }),
      ...(defects > 0 ? { defects } : {})
    }
  }
  if (version === 2) {
    return {
      v: 2,
      e: job.eventId,
      ...(job.attempt > 1 ? { a: job.attempt } : {}),
      ...(defects > 0 ? { d: defects } : {}),
      ...(job.reconciled === true ? { r: 1 as const } : {}),
      ...(job.trace === undefined ? {} : { t: job.trace })
    }
  }
  return {
    v: 1,
    teamspace: job.teamspace,
    eventId: job.eventId,
    webhookId: job.webhookId,
    attempt: job.attempt,
    ...(defects > 0 ? { defects } : {}),
    ...(job.reconciled === true ? { reconciled: true } : {}),
    ...(job.trace === undefined ? {} : { trace: job.trace })
  }
}

/** A task as it is added now. */
export const added = (task: DeliveryJob.QueueTask): Added => ({
  id: jobId(task),
  name: task.teamspace,
  data: encode(task)
})

const decodeStored = Schema.decodeUnknownEither(Stored)
const decodeDeliverV2 = Schema.decodeUnknownEither(DeliverV2)
const decodeDelivery = Schema.decodeUnknownEither(DeliveryJob.DeliveryJob)

/** A version 2 delivery from its job's id, name and data; the id must be the one the job would be given. */
const deliveryV2 = (
  id: string,
  name: string,
  data: typeof DeliverV2.Type
): Either.Either<Decoded, string> => {
  const dot = id.indexOf(".")
  return decodeDelivery({
    teamspace: name,
    eventId: data.e,
    webhookId: WEBHOOK_PREFIX + id.slice(0, Math.max(0, dot)),
    attempt: data.a,
    ...(data.r === 1 ? { reconciled: true } : {}),
    ...(data.t === undefined ? {} : { trace: data.t })
  }).pipe(
    Either.mapLeft((error) => ParseResult.TreeFormatter.formatErrorSync(error)),
    Either.flatMap((job) =>
      jobId(job) === id
        ? Either.right<Decoded>({ job, defects: data.d, version: 2 })
        : Either.left(`job id ${id} is not the id of ${job.key}`)
    )
  )
}

const isVersion2 = (data: unknown) => typeof data === "object" && data !== null && "v" in data && data.v === 2

/** Reads a job back from what BullMQ stored: its id, name and data. */
export const decode = (id: string, name: string, data: unknown): Either.Either<Decoded, string> =>
  // Nearly every job is a version 2 delivery: decoded without trying the union's other members.
  (isVersion2(data) ? decodeDeliverV2(data) : decodeStored(data)).pipe(
    Either.mapLeft((error) => ParseResult.TreeFormatter.formatErrorSync(error)),
    Either.flatMap((decoded): Either.Either<Decoded, string> => {
      if (decoded.v === 2) return deliveryV2(id, name, decoded)
      if (decoded.kind === "fanout") {
        return Either.right({
          job: new DeliveryJob.FanOutJob({
            teamspace: decoded.teamspace,
            eventId: decoded.eventId,
            after: decoded.after,
            ...(decoded.owed === undefined ? {} : { owed: decoded.owed }),
            ...(decoded.trace === undefined ? {} : { trace: decoded.trace })
          }),
          defects: decoded.defects,
          version: 1
        })
      }
      return Either.right({
        job: new DeliveryJob.DeliveryJob({
          teamspace: decoded.teamspace,
          eventId: decoded.eventId,
          webhookId: decoded.webhookId,
          attempt: decoded.attempt,
          ...(decoded.reconciled === true ? { reconciled: true } : {}),
          ...(decoded.trace === undefined ? {} : { trace: decoded.trace })
        }),
        defects: decoded.defects,
        version: 1
      })
    })
  )
