import { HttpApiBuilder } from "@effect/platform"
import { Publisher } from "@herald/core"
import { Effect } from "effect"
import { HeraldApi } from "../Api.js"
import { Principal } from "../Authentication.js"
import * as Codec from "../DatagridCodec.js"
import { mapDomainErrors } from "../ErrorMapping.js"
import { jsonBytes, RequestLimits } from "../RequestLimits.js"
import { payloadTooLarge } from "../WireError.js"

export const layer = HttpApiBuilder.group(HeraldApi, "events", (handlers) =>
  Effect.gen(function*() {
    const publisher = yield* Publisher.Publisher
    const { maxEventDataBytes } = yield* RequestLimits
    /** A 413 for event data over `HERALD_MAX_EVENT_DATA_BYTES`, before anything is stored. */
    const checkDataSize = (data: unknown) => {
      const size = jsonBytes(data)
      return size <= maxEventDataBytes ? Effect.void : Effect.fail(payloadTooLarge(
        `The event data is ${size} bytes as JSON, more than the ${maxEventDataBytes} an event may carry`,
        "Publish less data, e.g. an id the receiver can fetch the rest with."
      ))
    }
    return handlers
      .handle("sendTest", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const event = yield* publisher.sendTest(teamspace, path.webhook_id)
          return Codec.publishedEvent(event, { duplicate: false, deliveries: 1 })
        }).pipe(mapDomainErrors))
      .handle("publish", ({ payload }) =>
        Effect.zipRight(
          checkDataSize(payload.data),
          Effect.gen(function*() {
            const { teamspace } = yield* Principal
            const published = yield* publisher.publish(teamspace, {
              type: payload.event_type,
              data: payload.data,
              id: payload.id
            })
            return Codec.publishedEvent(published.event, published)
          }).pipe(mapDomainErrors)
        ))
  }))
