/**
 * `herald events get <event_id>`: an event as published, and where its
 * delivery to each webhook stands (succeeded, pending with the next attempt's
 * time, or failed).
 */
import { Args, Command } from "@effect/cli"
import { Effect } from "effect"
import * as Config from "../Config.js"
import * as Output from "../Output.js"

const get = Command.make(
  "get",
  {
    id: Args.text({ name: "event_id" }).pipe(Args.withDescription("The event's id.")),
    json: Output.json
  },
  (options) =>
    Effect.gen(function*() {
      const client = yield* Config.client
      const event = yield* client.deliveries.retrieveEvent({ path: { event_id: options.id } })
      yield* Output.answer(options.json, event, (event) => [
        `${event.id}  ${event.event_type}  created ${event.created_at}`,
        `data: ${JSON.stringify(event.data)}`,
        ...Output.table(
          ["WEBHOOK", "STATUS", "ATTEMPTS", "LAST ATTEMPT", "NEXT ATTEMPT"],
          event.deliveries.map((delivery) => [
            delivery.webhook_id,
            delivery.status,
            String(delivery.attempts),
            delivery.last_attempt_at,
            delivery.next_attempt_at ?? "-"
          ]),
          "No delivery attempted yet."
        )
      ])
    })
).pipe(Command.withDescription("Show an event and where each of its deliveries stands."))

/** The `events` command group. */
export const command = Command.make("events").pipe(
  Command.withDescription("Read published events."),
  Command.withSubcommands([get])
)
