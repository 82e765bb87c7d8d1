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

const V1 = Schema.Struct({
  v: Schema.Literal(1),
  ...DeliveryJob.DeliveryJob.fields,
  defects: Schema.optionalWith(Schema.Number.pipe(Schema.int(), Schema.nonNegative()), { default: () => 0 })
})

/** The stored form (plain JSON; BullMQ serialises it with `JSON.stringify`). */
export type Encoded = typeof V1.Encoded

export interface Decoded {
  readonly job: DeliveryJob.DeliveryJob
  readonly defects: number
}

export const encode = (job: DeliveryJob.DeliveryJob, defects = 0): Encoded => ({
  v: 1,
  teamspace: job.teamspace,
  eventId: job.eventId,
  webhookId: job.webhookId,
  attempt: job.attempt,
  ...(defects > 0 ? { defects } : {})
})

const decodeV1 = Schema.decodeUnknownEither(V1)

export const decode = (data: unknown): Either.Either<Decoded, string> =>
  decodeV1(data).pipe(
    Either.map(({ attempt, defects, eventId, teamspace, webhookId }): Decoded => ({
      job: new DeliveryJob.DeliveryJob({ teamspace, eventId, webhookId, attempt }),
      defects
    })),
    Either.mapLeft((error) => ParseResult.TreeFormatter.formatErrorSync(error))
  )
