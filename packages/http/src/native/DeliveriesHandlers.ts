/**
 * The handlers of the delivery log's routes (`DeliveriesApi`): a webhook's
 * attempts, an event and its deliveries, redelivery and recovery, over the
 * core's `DeliveryLog` and `Replay`, answering in the Datagrid wire style.
 */
import { HttpApiBuilder } from "@effect/platform"
import { DeliveryLog, Replay } from "@herald/core"
import { Effect } from "effect"
import { HeraldApi } from "../Contract.js"
import { Principal } from "../edge/Principal.js"
import * as Codec from "../profiles/datagrid/Codec.js"
import { DEFAULT_PAGE_SIZE } from "../contract/ApiParams.js"
import { mapDomainErrors } from "../profiles/datagrid/Errors.js"

/**
 * Implements the `deliveries` group; needs the core's `DeliveryLog` and `Replay`
 * (`Herald.servicesLayer`).
 */
export const layer = HttpApiBuilder.group(HeraldApi, "deliveries", (handlers) =>
  Effect.gen(function*() {
    const log = yield* DeliveryLog.DeliveryLog
    const replay = yield* Replay.Replay
    return handlers
      .handle("listAttempts", ({ path, urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const page = yield* log.attemptsOf(teamspace, path.webhook_id, {
            limit: urlParams.limit ?? DEFAULT_PAGE_SIZE,
            cursor: urlParams.cursor,
            eventType: urlParams.event_type,
            successful: urlParams.successful
          })
          const last = page.data.at(-1)
          return {
            data: page.data.map(Codec.attempt),
            next_cursor: page.hasMore && last !== undefined ? last.id : null
          }
        }).pipe(mapDomainErrors))
      .handle("redeliver", ({ path, payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const deliveries = yield* replay.redeliver(teamspace, path.event_id, { webhookId: payload.webhook_id })
          return { object: "requeued" as const, deliveries }
        }).pipe(mapDomainErrors))
      .handle("recover", ({ path, payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const deliveries = yield* replay.recover(teamspace, path.webhook_id, {
            since: payload.since.getTime(),
            until: payload.until?.getTime()
          })
          return { object: "requeued" as const, deliveries }
        }).pipe(mapDomainErrors))
      .handle("listEvents", ({ urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const page = yield* log.listEvents(teamspace, {
            limit: urlParams.limit ?? DEFAULT_PAGE_SIZE,
            cursor: urlParams.cursor,
            types: urlParams.event_type,
            typesParam: "event_type",
            createdAfter: urlParams.created_after?.getTime(),
            createdBefore: urlParams.created_before?.getTime()
          })
          return { data: page.data.map(Codec.event), next_cursor: page.nextCursor }
        }).pipe(mapDomainErrors))
      .handle("retrieveEvent", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          return Codec.eventWithDeliveries(yield* log.eventWithDeliveries(teamspace, path.event_id))
        }).pipe(mapDomainErrors))
  }))
