/**
 * The handlers of the publishing routes (`EventsApi`): publish an event and
 * send a test event, over the core's `Publisher`.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Publisher } from "@herald/core"
import { Effect, Either, ParseResult, Schema } from "effect"
import { HeraldApi } from "../Contract.js"
import * as InputIssues from "../contract/InputIssues.js"
import { Principal } from "../edge/Principal.js"
import * as Codec from "../profiles/datagrid/Codec.js"
import { type ErrorBody, invalidInput, itemError, mapDomainErrors } from "../profiles/datagrid/Errors.js"
import { PublishEventRequestBody } from "./EventsApi.js"

const decodeEvent = Schema.decodeUnknownEither(PublishEventRequestBody)

/** A batch's event decoded as the body of a single publish, or refused with its issues named by its place (`events[3].data`). */
const decodeBatchEvent = (item: unknown, index: number) =>
  Either.mapLeft(
    decodeEvent(item),
    (error): ErrorBody => invalidInput(InputIssues.report(new ParseResult.Pointer(["events", index], item, error.issue)))
  )

/** Implements the `events` group; needs the core's `Publisher` (`Herald.servicesLayer`). */
export const layer = HttpApiBuilder.group(HeraldApi, "events", (handlers) =>
  Effect.gen(function*() {
    const publisher = yield* Publisher.Publisher
    return handlers
      .handle("sendTest", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const event = yield* publisher.sendTest(teamspace, path.webhook_id)
          return Codec.publishedEvent(event, { duplicate: false, deliveries: 1 })
        }).pipe(mapDomainErrors))
      .handle("publish", ({ payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          // Event data over HERALD_MAX_EVENT_DATA_BYTES is the Publisher's refusal (a 413), before anything is stored.
          const published = yield* publisher.publish(teamspace, {
            type: payload.event_type,
            data: payload.data,
            id: payload.id
          })
          return Codec.publishedEvent(published.event, published)
        }).pipe(mapDomainErrors))
      .handle("publishBatch", ({ payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const decoded = payload.events.map(decodeBatchEvent)
          const inputs = decoded.flatMap((event) =>
            Either.isRight(event) ? [{ type: event.right.event_type, data: event.right.data, id: event.right.id }] : []
          )
          const published = inputs.length === 0 ? [] : yield* publisher.publishBatch(teamspace, inputs)
          // The publisher's results are in the order of the events that decoded; each one's place in the request names its fields.
          let next = 0
          const results = decoded.map((event, index) => {
            if (Either.isLeft(event)) return Codec.batchEventResult(Either.left(event.left))
            const outcome = published[next++]!
            return Codec.batchEventResult(Either.mapLeft(outcome, (error) => itemError(error, ["events", index])))
          })
          return { object: "batch" as const, results }
        }))
  }))
