/**
 * What a BullMQ job stores: ids only, versioned so the shape can evolve while
 * old jobs are still queued (a reader accepts every version it knows).
 *
 * `defects` counts how often a handler died on the current attempt; it is part
 * of the job so the bound holds across processes (any worker may pick the retry up).
 */
import { Either, ParseResult, Schema } from "effect"
import { DeliveryJob } from "@herald/core"

export const JOB_NAME = "deliver"

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

const V1 = Schema.Union(FanOutV1, DeliverV1)

/** The stored form (plain JSON; BullMQ serialises it with `JSON.stringify`). */
export type Encoded = typeof V1.Encoded

export interface Decoded {
  readonly job: DeliveryJob.QueueTask
  readonly defects: number
}

export const encode = (job: DeliveryJob.QueueTask, defects = 0): Encoded =>
  DeliveryJob.isFanOut(job)
    ? {
      v: 1,
      kind: "fanout",
      teamspace: job.teamspace,
      eventId: job.eventId,
      after: job.after,
      ...(defects > 0 ? { defects } : {})
    }
    : {
      v: 1,
      teamspace: job.teamspace,
      eventId: job.eventId,
      webhookId: job.webhookId,
      attempt: job.attempt,
      ...(defects > 0 ? { defects } : {})
    }

const decodeV1 = Schema.decodeUnknownEither(V1)

export const decode = (data: unknown): Either.Either<Decoded, string> =>
  decodeV1(data).pipe(
    Either.map((decoded): Decoded =>
      decoded.kind === "fanout"
        ? {
          job: new DeliveryJob.FanOutJob({ teamspace: decoded.teamspace, eventId: decoded.eventId, after: decoded.after }),
          defects: decoded.defects
        }
        : {
          job: new DeliveryJob.DeliveryJob({
            teamspace: decoded.teamspace,
            eventId: decoded.eventId,
            webhookId: decoded.webhookId,
            attempt: decoded.attempt
          }),
          defects: decoded.defects
        }
    ),
    Either.mapLeft((error) => ParseResult.TreeFormatter.formatErrorSync(error))
  )
