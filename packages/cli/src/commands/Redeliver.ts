/**
 * `herald redeliver <event_id> [--webhook <webhook_id>]`: sends an event again
 * now, to every webhook it was attempted for, or to one.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import * as Config from "../Config.js"
import * as Output from "../Output.js"

/** The `redeliver` command. */
export const command = Command.make(
  "redeliver",
  {
    eventId: Args.text({ name: "event_id" }).pipe(Args.withDescription("The event to deliver again.")),
    webhook: Options.text("webhook").pipe(
      Options.optional,
      Options.withDescription("Only to this webhook (default: every webhook the event was attempted for).")
    ),
    json: Output.json
  },
  (options) =>
    Effect.gen(function*() {
      const client = yield* Config.client
      const requeued = yield* client.deliveries.redeliver({
        path: { event_id: options.eventId },
        payload: { webhook_id: Option.getOrUndefined(options.webhook) }
      })
      yield* Output.answer(options.json, requeued, (requeued) => [
        `Sent ${options.eventId} again: ${requeued.deliveries} ${requeued.deliveries === 1 ? "delivery" : "deliveries"} requeued.`
      ])
    })
).pipe(Command.withDescription("Deliver an event again now."))
