/**
 * `herald webhooks list | create | delete`: a teamspace's webhook
 * subscriptions, through the default (Datagrid) profile's routes. `create`
 * prints the signing secret, which no later list shows.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import * as Config from "../Config.js"
import { UsageError } from "../Errors.js"
import * as Output from "../Output.js"

const list = Command.make(
  "list",
  { limit: Output.limit, cursor: Output.cursor, json: Output.json },
  (options) =>
    Effect.gen(function*() {
      const client = yield* Config.client
      const page = yield* client.webhooks.list({
        urlParams: { limit: Option.getOrUndefined(options.limit), cursor: Option.getOrUndefined(options.cursor) }
      })
      yield* Output.answer(options.json, page, (page) => [
        ...Output.table(
          ["ID", "URL", "EVENTS", "ENABLED"],
          page.data.map((webhook) => [
            webhook.id,
            webhook.url,
            webhook.events.join(","),
            webhook.enabled ? "yes" : `no${webhook.disabled_reason === undefined ? "" : ` (${webhook.disabled_reason})`}`
          ]),
          "No webhooks."
        ),
        ...Output.nextPage(page.next_cursor)
      ])
    })
).pipe(Command.withDescription("List your webhooks (one page)."))

/** `--events a,b`: the event types, without blanks or empty items. */
export const parseEvents = (text: string): Effect.Effect<ReadonlyArray<string>, UsageError> => {
  const events = text.split(",").map((event) => event.trim()).filter((event) => event !== "")
  return events.length === 0
    ? Effect.fail(new UsageError({ message: "--events needs at least one event type, e.g. --events order.created,order.paid." }))
    : Effect.succeed(events)
}

const create = Command.make(
  "create",
  {
    url: Options.text("url").pipe(Options.withDescription("Where to deliver (HTTPS; http for a local receiver if Herald allows it).")),
    events: Options.text("events").pipe(Options.withDescription("The event types to subscribe to, separated by commas.")),
    ordered: Options.boolean("ordered").pipe(Options.withDescription("Deliver one event at a time, first in first out.")),
    rateLimit: Options.integer("rate-limit").pipe(
      Options.optional,
      Options.withDescription("At most this many deliveries per second.")
    ),
    json: Output.json
  },
  (options) =>
    Effect.gen(function*() {
      const events = yield* parseEvents(options.events)
      const client = yield* Config.client
      const webhook = yield* client.webhooks.create({
        payload: {
          url: options.url,
          events,
          ordered: options.ordered ? true : undefined,
          rate_limit: Option.getOrUndefined(options.rateLimit)
        }
      })
      yield* Output.answer(options.json, webhook, (webhook) => [
        `Created ${webhook.id} -> ${webhook.url} for ${webhook.events.join(", ")}.`,
        `Signing secret: ${webhook.secret}`,
        "The secret is shown once, here: keep it where your receiver can read it, to verify deliveries."
      ])
    })
).pipe(Command.withDescription("Create a webhook; prints its signing secret, shown once."))

const remove = Command.make(
  "delete",
  {
    id: Args.text({ name: "webhook_id" }).pipe(Args.withDescription("The webhook to delete.")),
    json: Output.json
  },
  (options) =>
    Effect.gen(function*() {
      const client = yield* Config.client
      yield* client.webhooks.delete({ path: { webhook_id: options.id } })
      // The API answers 204 with no body; --json prints what happened as one document all the same.
      yield* Output.answer(options.json, { object: "webhook", id: options.id, deleted: true }, (deleted) => [
        `Deleted ${deleted.id}.`
      ])
    })
).pipe(Command.withDescription("Delete a webhook (deliveries still queued for it are dropped)."))

/** The `webhooks` command group. */
export const command = Command.make("webhooks").pipe(
  Command.withDescription("List, create and delete webhooks."),
  Command.withSubcommands([list, create, remove])
)
