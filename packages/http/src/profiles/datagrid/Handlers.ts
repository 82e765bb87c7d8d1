/**
 * The Datagrid profile's webhook handlers (`DatagridWebhooks`), over the core's
 * `Webhooks`, answering in Datagrid's wire objects (`Codec`) and error bodies.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Webhooks } from "@herald/core"
import { Effect } from "effect"
import { Principal } from "../../edge/Principal.js"
import * as WebhookCreation from "../WebhookCreation.js"
import { api, contract } from "./Api.js"
import * as Codec from "./Codec.js"
import { DEFAULT_PAGE_SIZE } from "../../contract/ApiParams.js"
import { mapDomainErrors } from "./Errors.js"

/** Implements the `webhooks` group of the Datagrid profile; needs the core's `Webhooks`. */
export const layer = HttpApiBuilder.group(api, "webhooks", (handlers) =>
  Effect.gen(function*() {
    const webhooks = yield* Webhooks.Webhooks
    return handlers
      .handle("create", ({ payload }) =>
        WebhookCreation.create(contract.name, {
          url: payload.url,
          events: payload.events,
          ordered: payload.ordered,
          rateLimit: payload.rate_limit
        }).pipe(
          Effect.map(({ secret, webhook }) => ({ ...Codec.webhook(webhook), secret })),
          mapDomainErrors
        ))
      .handle("list", ({ urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const page = yield* webhooks.list(teamspace, {
            limit: urlParams.limit ?? DEFAULT_PAGE_SIZE,
            after: urlParams.cursor,
            cursorParam: "cursor",
            order: "asc"
          })
          const last = page.data.at(-1)
          return {
            data: page.data.map(Codec.webhook),
            next_cursor: page.hasMore && last !== undefined ? last.id : null
          }
        }).pipe(mapDomainErrors))
      .handle("listActiveForEvent", ({ urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const active = yield* webhooks.active(teamspace, urlParams.event_type)
          return { object: "list" as const, data: active.map(Codec.webhook) }
        }).pipe(mapDomainErrors))
      .handle("retrieve", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          return Codec.webhook(yield* webhooks.get(teamspace, path.webhook_id))
        }).pipe(mapDomainErrors))
      .handle("update", ({ path, payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const { rate_limit, ...rest } = payload
          return Codec.webhook(yield* webhooks.update(teamspace, path.webhook_id, { ...rest, rateLimit: rate_limit }))
        }).pipe(mapDomainErrors))
      .handle("rotateSecret", ({ path, payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const rotated = yield* webhooks.rotateSecret(teamspace, path.webhook_id, {
            overlapMs: payload.overlap_seconds === undefined ? undefined : payload.overlap_seconds * 1000
          })
          return {
            object: "webhook_secret" as const,
            webhook_id: rotated.webhook.id,
            secret: rotated.secret,
            previous_secret_expires_at: rotated.previousExpiresAt === null
              ? null
              : new Date(rotated.previousExpiresAt).toISOString()
          }
        }).pipe(mapDomainErrors))
      .handle("retrieveSecret", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const secret = yield* webhooks.signingSecret(teamspace, path.webhook_id)
          return { object: "webhook_secret" as const, webhook_id: path.webhook_id, secret }
        }).pipe(mapDomainErrors))
      .handle("delete", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          yield* webhooks.remove(teamspace, path.webhook_id)
        }).pipe(mapDomainErrors))
  }))
