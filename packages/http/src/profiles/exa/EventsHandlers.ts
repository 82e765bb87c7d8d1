/**
 * The Exa profile's event log handlers (`ExaEvents`): list and get events, over
 * the core's `DeliveryLog`, in Exa's wire objects.
 */
import { HttpApiBuilder } from "@effect/platform"
import { DeliveryLog } from "@herald/core"
import { Effect } from "effect"
import { Principal } from "../../edge/Principal.js"
import { api, pageSize } from "./Api.js"
import * as Codec from "./Codec.js"
import { mapDomainErrors } from "./Errors.js"

/** Implements the `exaEvents` group; needs the core's `DeliveryLog`. */
export const layer = HttpApiBuilder.group(api, "exaEvents", (handlers) =>
  Effect.gen(function*() {
    const log = yield* DeliveryLog.DeliveryLog
    return handlers
      .handle("list", ({ urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const page = yield* log.listEvents(teamspace, {
            limit: pageSize(urlParams.limit),
            cursor: urlParams.cursor,
            types: urlParams.types,
            createdAfter: urlParams.createdAfter?.getTime(),
            createdBefore: urlParams.createdBefore?.getTime()
          })
          return { data: page.data.map(Codec.event), hasMore: page.nextCursor !== null, nextCursor: page.nextCursor }
        }).pipe(mapDomainErrors))
      .handle("get", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const { event } = yield* log.eventWithDeliveries(teamspace, path.id)
          return Codec.event(event)
        }).pipe(mapDomainErrors))
  }))
