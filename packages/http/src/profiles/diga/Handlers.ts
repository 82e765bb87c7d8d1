/**
 * The Diga profile's webhook handlers (`DigaWebhooks`), over the core's
 * `Webhooks`: Diga's uuid ids mapped to Herald's (`Ids`), its page-or-cursor
 * listing mapped to the core's (`Codec`), its 422 and error bodies.
 */
import { HttpApiBuilder } from "@effect/platform"
import { type Ids, Webhooks } from "@herald/core"
import { Effect, Option } from "effect"
import { Principal } from "../../edge/Principal.js"
import * as WebhookCreation from "../WebhookCreation.js"
import { api, contract, DIGA_DEFAULT_PAGE_SIZE } from "./Api.js"
import * as Codec from "./Codec.js"
import { mapDomainErrors, unprocessable, type ValidationError } from "./Errors.js"
import { fromUuid, toUuid } from "./Ids.js"

const notAUuid = (loc: ReadonlyArray<string>): ValidationError => ({
  loc: [...loc],
  msg: "Input should be a valid UUID",
  type: "uuid_parsing"
})

/** A path id as the webhook id it names, or FastAPI's 422 for a value that is not a UUID. */
const webhookId = (uuid: string) =>
  Option.match(fromUuid(uuid), {
    onNone: () => Effect.fail(unprocessable([notAUuid(["path", "id"])])),
    onSome: (id) => Effect.succeed<Ids.WebhookId>(id)
  })

/** Implements the `digaWebhooks` group; needs the core's `Webhooks`. */
export const layer = HttpApiBuilder.group(api, "digaWebhooks", (handlers) =>
  Effect.gen(function*() {
    const webhooks = yield* Webhooks.Webhooks
    return handlers
      .handle("create", ({ payload }) =>
        WebhookCreation.create(contract.name, { url: payload.url, events: payload.subscribed_events }).pipe(
          mapDomainErrors,
          Effect.map(({ secret, webhook }) => ({ ...Codec.webhook(webhook), secret }))
        ))
      .handle("list", ({ urlParams }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const after = urlParams.after === undefined ? undefined : fromUuid(urlParams.after)
          const before = urlParams.before === undefined ? undefined : fromUuid(urlParams.before)
          const invalid = [
            ...(after !== undefined && Option.isNone(after) ? [notAUuid(["query", "after"])] : []),
            ...(before !== undefined && Option.isNone(before) ? [notAUuid(["query", "before"])] : [])
          ]
          const byCursor = after !== undefined || before !== undefined
          if (byCursor && urlParams.page !== undefined) {
            invalid.push({ loc: ["query", "page"], msg: "page cannot be combined with after or before", type: "value_error" })
          }
          if (invalid.length > 0) return yield* Effect.fail(unprocessable(invalid))

          const limit = urlParams.limit ?? DIGA_DEFAULT_PAGE_SIZE
          const page = urlParams.page ?? 1
          const { core, reversed } = Codec.listQuery({
            limit,
            order: urlParams.order ?? "desc",
            after: after === undefined ? undefined : Option.getOrUndefined(after),
            before: before === undefined ? undefined : Option.getOrUndefined(before),
            offset: byCursor ? 0 : (page - 1) * limit
          })
          const found = yield* webhooks.list(teamspace, core).pipe(mapDomainErrors)
          const data = (reversed ? [...found.data].reverse() : found.data).map(Codec.webhook)
          const total = byCursor ? null : Math.ceil((yield* webhooks.count(teamspace)) / limit)
          return {
            data,
            has_more: found.hasMore,
            first_id: data.at(0)?.id ?? null,
            last_id: data.at(-1)?.id ?? null,
            current_page: byCursor ? null : page,
            total_pages: total
          }
        }))
      .handle("get", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const id = yield* webhookId(path.id)
          return Codec.webhook(yield* webhooks.get(teamspace, id).pipe(mapDomainErrors))
        }))
      .handle("update", ({ path, payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const id = yield* webhookId(path.id)
          const updated = yield* webhooks.update(teamspace, id, {
            url: payload.url ?? undefined,
            events: payload.subscribed_events ?? undefined
          }).pipe(mapDomainErrors)
          return Codec.webhook(updated)
        }))
      .handle("delete", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const id = yield* webhookId(path.id)
          const webhook = yield* webhooks.get(teamspace, id).pipe(mapDomainErrors)
          yield* webhooks.remove(teamspace, id).pipe(mapDomainErrors)
          return Codec.webhook(webhook)
        }))
      .handle("secret", ({ path }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          const id = yield* webhookId(path.id)
          const secret = yield* webhooks.signingSecret(teamspace, id).pipe(mapDomainErrors)
          return { id: toUuid(id), secret }
        }))
  }))
