/**
 * The Exa profile's webhook handlers (`ExaWebhooks`): webhooks and their
 * attempts, over the core's `Webhooks` and `DeliveryLog`, in Exa's wire objects
 * and error bodies.
 */
import { HttpApiBuilder } from "@effect/platform"
import { DeliveryLog, Webhooks } from "@herald/core"
import { Effect } from "effect"
import { Principal } from "../../edge/Principal.js"
import * as WebhookCreation from "../WebhookCreation.js"
import { api, contract, pageSize } from "./Api.js"
import * as Codec from "./Codec.js"
import { mapDomainErrors } from "./Errors.js"

/** Implements the `exaWebhooks` group; needs the core's `Webhooks` and `DeliveryLog`. */
export const layer = HttpApiBuilder.group(api, "exaWebhooks", (handlers) =>
  Effect.gen(function*() {
    const webhooks = yield* Webhooks.Webhooks
    const log = yield* DeliveryLog.DeliveryLog
    return handlers
      .handle("create", ({ payload }) =>
        WebhookCreation.create(contract.name, {
          url: payload.url,
          events: payload.events,
          metadata: payload.metadata
        }).pipe(
          Effect.map(({ secret, webhook }) => Codec.webhook(webhook, secret)),
          mapDomainErrors
        ))
      .handle("list", ({ urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          // Newest first: the cursor is the last id of the previous page.
          const page = yield* webhooks.list(teamspace, {
            limit: pageSize(urlParams.limit),
            before: urlParams.cursor,
            cursorParam: "cursor",
            order: "desc"
          })
          const last = page.data.at(-1)
          return {
            data: page.data.map((hook) => Codec.webhook(hook)),
            hasMore: page.hasMore,
            nextCursor: page.hasMore && last !== undefined ? last.id : null
          }
        }).pipe(mapDomainErrors))
      .handle("get", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          return Codec.webhook(yield* webhooks.get(teamspace, path.id))
        }).pipe(mapDomainErrors))
      .handle("update", ({ path, payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          return Codec.webhook(yield* webhooks.update(teamspace, path.id, payload))
        }).pipe(mapDomainErrors))
      .handle("delete", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const webhook = yield* webhooks.get(teamspace, path.id)
          yield* webhooks.remove(teamspace, path.id)
          return Codec.webhook(webhook)
        }).pipe(mapDomainErrors))
      .handle("listAttempts", ({ path, urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const page = yield* log.attemptsOf(teamspace, path.id, {
            limit: pageSize(urlParams.limit),
            cursor: urlParams.cursor,
            eventType: urlParams.eventType,
            successful: urlParams.successful
          })
          const last = page.data.at(-1)
          return {
            data: page.data.map(Codec.attempt),
            hasMore: page.hasMore,
            nextCursor: page.hasMore && last !== undefined ? last.id : null
          }
        }).pipe(mapDomainErrors))
  }))
