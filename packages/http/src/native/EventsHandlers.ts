/**
 * The handlers of the publishing routes (`EventsApi`): publish an event and
 * send a test event, over the core's `Publisher`.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Publisher } from "@herald/core"
import { Effect } from "effect"
import { HeraldApi } from "../Contract.js"
import { Principal } from "../edge/Principal.js"
import * as Codec from "../profiles/datagrid/Codec.js"
import { mapDomainErrors } from "../profiles/datagrid/Errors.js"

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
  }))
