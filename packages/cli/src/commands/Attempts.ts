/**
 * `herald attempts <webhook_id> [--failed]`: the delivery log of one webhook,
 * newest first, one line per attempt with what the receiver answered (its
 * status and the start of its body, or why there was no answer).
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import * as Config from "../Config.js"
import * as Output from "../Output.js"

/** What an attempt came to, in a word or two: the status code, or why it failed. */
const result = (attempt: {
  readonly successful: boolean
  readonly response_status_code: number | null
  readonly failure: string | null
}): string => {
  const status = attempt.response_status_code === null ? "" : String(attempt.response_status_code)
  if (attempt.successful) return `ok ${status}`.trim()
  return attempt.failure === null || attempt.failure === "http_status" ? `failed ${status}`.trim() : `failed (${attempt.failure})`
}

/** The longest answer shown in the table; `--json` has all of it. */
const ANSWER_WIDTH = 60

/** What the receiver said, on one line: its body, or why there was no answer. */
const answer = (attempt: { readonly response_body: string; readonly failure_message: string | null }): string => {
  const text = (attempt.failure_message ?? attempt.response_body).replace(/\s+/g, " ").trim()
  return text.length > ANSWER_WIDTH ? `${text.slice(0, ANSWER_WIDTH - 3)}...` : text
}

/** The `attempts` command. */
export const command = Command.make(
  "attempts",
  {
    webhookId: Args.text({ name: "webhook_id" }).pipe(Args.withDescription("The webhook whose attempts to list.")),
    failed: Options.boolean("failed").pipe(Options.withDescription("Only the attempts that failed.")),
    limit: Output.limit,
    cursor: Output.cursor,
    json: Output.json
  },
  (options) =>
    Effect.gen(function*() {
      const client = yield* Config.client
      const page = yield* client.deliveries.listAttempts({
        path: { webhook_id: options.webhookId },
        urlParams: {
          successful: options.failed ? false : undefined,
          limit: Option.getOrUndefined(options.limit),
          cursor: Option.getOrUndefined(options.cursor)
        }
      })
      yield* Output.answer(options.json, page, (page) => [
        ...Output.table(
          ["ATTEMPTED AT", "EVENT", "TYPE", "#", "RESULT", "MS", "ANSWER"],
          page.data.map((attempt) => [
            attempt.attempted_at,
            attempt.event_id,
            attempt.event_type,
            String(attempt.attempt),
            result(attempt),
            String(Math.round(attempt.duration_ms)),
            answer(attempt)
          ]),
          options.failed ? "No failed attempts." : "No attempts."
        ),
        ...Output.nextPage(page.next_cursor)
      ])
    })
).pipe(Command.withDescription("List a webhook's delivery attempts, newest first."))
