import { HttpApiBuilder } from "@effect/platform"
import { Publisher } from "@herald/core"
import { Effect } from "effect"
import { HeraldApi } from "../Api.js"
import { Principal } from "../Authentication.js"
import { mapDomainErrors } from "../ErrorMapping.js"

export const layer = HttpApiBuilder.group(HeraldApi, "events", (handlers) =>
  Effect.gen(function*() {
    const publisher = yield* Publisher.Publisher
    return handlers
      .handle("sendTest", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const event = yield* publisher.sendTest(teamspace, path.webhook_id)
          return {
            object: "event" as const,
            id: event.id,
            event_type: event.type,
            created_at: new Date(event.createdAt).toISOString(),
            duplicate: false,
            deliveries: 1
          }
        }).pipe(mapDomainErrors))
      .handle("publish", ({ payload }) =>
      Effect.gen(function*() {
        const { teamspace } = yield* Principal
        const published = yield* publisher.publish(teamspace, {
          type: payload.event_type,
          data: payload.data,
          id: payload.id
        })
        return {
          object: "event" as const,
          id: published.event.id,
          event_type: published.event.type,
          created_at: new Date(published.event.createdAt).toISOString(),
          duplicate: published.duplicate,
          deliveries: published.deliveries
        }
      }).pipe(mapDomainErrors))
  }))
