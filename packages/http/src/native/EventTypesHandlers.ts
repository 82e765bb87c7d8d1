/**
 * The handlers of the event type catalog's routes (`EventTypesApi`), over the
 * core's `EventTypes`, answering in the Datagrid wire style.
 */
import { HttpApiBuilder } from "@effect/platform"
import { EventTypes } from "@herald/core"
import { Effect } from "effect"
import { HeraldApi } from "../Contract.js"
import { DEFAULT_PAGE_SIZE } from "../contract/ApiParams.js"
import { Principal } from "../edge/Principal.js"
import * as Codec from "../profiles/datagrid/Codec.js"
import { mapDomainErrors } from "../profiles/datagrid/Errors.js"

/** Implements the `eventTypes` group; needs the core's `EventTypes` (`Herald.servicesLayer`). */
export const layer = HttpApiBuilder.group(HeraldApi, "eventTypes", (handlers) =>
  Effect.gen(function*() {
    const eventTypes = yield* EventTypes.EventTypes
    return handlers
      .handle("list", ({ urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const page = yield* eventTypes.list(teamspace, {
            profile: urlParams.profile,
            includeArchived: urlParams.include_archived,
            limit: urlParams.limit ?? DEFAULT_PAGE_SIZE,
            cursor: urlParams.cursor
          })
          return { object: "list" as const, data: page.data.map(Codec.eventType), next_cursor: page.nextCursor }
        }).pipe(mapDomainErrors))
      .handle("retrieve", ({ path, urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          return Codec.eventType(yield* eventTypes.get(teamspace, path.name, urlParams.profile))
        }).pipe(mapDomainErrors))
      .handle("create", ({ payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          return Codec.eventType(yield* eventTypes.create(teamspace, payload))
        }).pipe(mapDomainErrors))
      .handle("update", ({ path, payload, urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          return Codec.eventType(yield* eventTypes.update(teamspace, path.name, urlParams.profile, payload))
        }).pipe(mapDomainErrors))
      .handle("archive", ({ path, urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          yield* eventTypes.archive(teamspace, path.name, urlParams.profile)
        }).pipe(mapDomainErrors))
  }))
