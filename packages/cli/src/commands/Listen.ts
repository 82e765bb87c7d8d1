/**
 * `herald listen --forward-to http://localhost:3000/hooks [--events a,b]
 * [--profile datagrid|exa|diga]`: real, signed deliveries on localhost with no
 * public URL and no tunnel. It opens a listener (a temporary webhook of the
 * key's teamspace whose deliveries stream to this command), prints the signing
 * secret, forwards each delivery to the local URL with the exact headers and
 * body the profile defines, prints a line per delivery, and reports the local
 * status back, so the attempt log, retries and endpoint health work as for any
 * webhook.
 *
 * A dropped stream (Herald restarted, a network blip) is reconnected within
 * the listener's lease. Ctrl-C or SIGTERM closes the listener, which removes
 * its webhook; if this process dies instead, Herald removes it once the
 * stream has been gone longer than the lease.
 */
import { Command, Options } from "@effect/cli"
import { type HttpClient, HttpClientError } from "@effect/platform"
import { Clock, Console, Data, Duration, Effect, Option, Predicate, Schedule, Stream } from "effect"
import * as Config from "../Config.js"
import * as Errors from "../Errors.js"
import { UsageError } from "../Errors.js"
import * as Output from "../Output.js"
import * as Forward from "../listen/Forward.js"
import * as ListenerStream from "../listen/ListenerStream.js"
import { parseEvents } from "./Webhooks.js"

const forwardTo = Options.text("forward-to").pipe(
  Options.withAlias("f"),
  Options.withDescription("The local URL to POST each delivery to, e.g. http://localhost:3000/hooks.")
)

const events = Options.text("events").pipe(
  Options.optional,
  Options.withDescription("The event types to receive, separated by commas (default: every type of the profile's catalog).")
)

const profile = Options.text("profile").pipe(
  Options.optional,
  Options.withDescription("The profile whose envelope and signature the deliveries carry: datagrid (default), exa or diga.")
)

/** Deliveries forwarded at once: a burst is not sent one by one, nor all at once into a dev server. */
const CONCURRENCY = 8

/** The stream ended for good: the listener was closed or removed elsewhere. */
class ListenerEnded extends Data.TaggedError("ListenerEnded")<{ readonly reason: string }> {
  override get message() {
    return `The listener ended: ${this.reason}.`
  }
}

/** The stream ended but the listener lives on (Herald stopping, a dropped connection): reconnect. */
class Dropped extends Data.TaggedError("Dropped")<{ readonly reason: string }> {}

/** The stream could not be opened: the client's error, or the API's refusal. */
class Refused extends Data.TaggedError("Refused")<{ readonly error: unknown }> {}

/**
 * How long reconnecting goes on: under what is left of the listener's lease when its stream drops
 * (30 s, renewed every 10 s: at least 20 s), after which Herald removes it.
 */
const RECONNECT_WITHIN_MS = 18_000

const checkForwardTo = (url: string): Effect.Effect<string, UsageError> =>
  URL.canParse(url) && /^https?:$/.test(new URL(url).protocol)
    ? Effect.succeed(url)
    : Effect.fail(new UsageError({ message: `--forward-to must be an http:// or https:// URL, e.g. http://localhost:3000/hooks, not ${url}` }))

const time = (millis: number) => new Date(millis).toISOString().slice(11, 23)

/** One delivery's line: time, event type, event id, local status, duration. */
const line = (delivery: ListenerStream.Delivery, outcome: Forward.Outcome, at: number) =>
  [
    time(at),
    delivery.event_type,
    delivery.event_id,
    outcome._tag === "Response" ? `-> ${outcome.status}` : `-> failed: ${outcome.error}`,
    `${outcome.durationMs} ms`,
    ...(delivery.attempt > 1 ? [`(attempt ${delivery.attempt})`] : [])
  ].join("  ")

/** The `listen` command. */
export const command = Command.make(
  "listen",
  { forwardTo, events, profile, json: Output.json },
  (options) =>
    Effect.gen(function*() {
      const target = yield* checkForwardTo(options.forwardTo)
      const chosen = yield* Option.match(options.events, { onNone: () => Effect.succeed(undefined), onSome: parseEvents })
      const connection = yield* Config.clientOptions
      const client = yield* Config.client
      // Closed however this ends: Ctrl-C and SIGTERM interrupt the command, which runs this first.
      const listener = yield* Effect.acquireRelease(
        client.listeners.open({ payload: { profile: Option.getOrUndefined(options.profile), events: chosen } }),
        (opened) =>
          client.listeners.close({ path: { listener_id: opened.id } }).pipe(
            Effect.zipRight(Output.note("Listener closed; its webhook is removed.")),
            Effect.catchAll((error) =>
              Output.note(`Could not close the listener (Herald removes it within ${opened.lease_seconds} s): ${Errors.describe(error)}`)
            )
          )
      )
      if (options.json) {
        yield* Console.log(JSON.stringify({ ...listener, forward_to: target }))
      } else {
        yield* Console.log(`Signing secret: ${listener.secret}  (verify the forwarded deliveries with it; it lasts while this runs)`)
        yield* Console.log(`Listener ${listener.id} (webhook ${listener.webhook_id}): ${listener.profile} deliveries of ${listener.events.join(", ")}`)
      }

      const handle = (delivery: ListenerStream.Delivery): Effect.Effect<void, never, HttpClient.HttpClient> =>
        Effect.gen(function*() {
          const outcome = yield* Forward.forward(target, delivery)
          const at = yield* Clock.currentTimeMillis
          yield* options.json
            ? Console.log(JSON.stringify({
              time: new Date(at).toISOString(),
              event_type: delivery.event_type,
              event_id: delivery.event_id,
              webhook_id: delivery.webhook_id,
              attempt: delivery.attempt,
              ...(outcome._tag === "Response" ? { status: outcome.status } : { error: outcome.error }),
              duration_ms: outcome.durationMs
            }))
            : Console.log(line(delivery, outcome, at))
          yield* client.listeners.answer({
            path: { listener_id: listener.id },
            payload: outcome._tag === "Response"
              ? { delivery_id: delivery.id, status: outcome.status, headers: outcome.headers, body: outcome.body }
              : { delivery_id: delivery.id, error: outcome.error }
          }).pipe(
            // Too late (the attempt timed out and will be retried), or Herald unreachable: the attempt says so.
            Effect.catchAll((error) => Output.note(`Could not report the answer to ${delivery.event_id}: ${Errors.describe(error)}`))
          )
        })

      // When the stream was lost, while it stays lost: reconnecting goes on for the lease only.
      let connectedOnce = false
      let lostAt: number | undefined
      const session = ListenerStream.connect(connection, listener.id).pipe(
        Stream.mapError((error) => new Refused({ error })),
        Stream.tap((message) =>
          message._tag === "Ready"
            ? Effect.zipRight(
              Effect.sync(() => {
                connectedOnce = true
                lostAt = undefined
              }),
              options.json ? Effect.void : Output.note(`Ready: forwarding to ${target} (Ctrl-C to stop)`)
            )
            : message._tag === "Closed"
            ? Effect.fail(message.reconnect ? new Dropped({ reason: message.reason }) : new ListenerEnded({ reason: message.reason }))
            : Effect.void
        ),
        Stream.filterMap((message) => message._tag === "Delivery" ? Option.some(message.delivery) : Option.none()),
        Stream.mapEffect(handle, { concurrency: CONCURRENCY, unordered: true }),
        Stream.runDrain,
        // The connection ended without a word: as a drop.
        Effect.zipRight(Effect.fail(new Dropped({ reason: "the connection closed" })))
      )

      /**
       * A drop, or a connection that fails after one worked because Herald is away or stopping (no
       * answer, or a 5xx); not a refusal (the key, or the listener gone), which no retry mends.
       */
      const reconnectable = (error: Refused | Dropped | ListenerEnded) =>
        error._tag === "Dropped" || (error._tag === "Refused" && connectedOnce && isTransient(error.error))

      yield* session.pipe(
        Effect.tapError((error) =>
          reconnectable(error)
            ? Effect.zipRight(
              Effect.flatMap(Clock.currentTimeMillis, (now) =>
                Effect.sync(() => {
                  lostAt ??= now
                })),
              Output.note(`Stream lost (${error._tag === "Refused" ? Errors.describe(error.error) : error.reason}); reconnecting...`)
            )
            : Effect.void
        ),
        Effect.retry({
          // Within the lease: a listener whose stream stays away longer is removed by Herald.
          while: (error) => reconnectable(error) && (lostAt === undefined || Date.now() - lostAt < RECONNECT_WITHIN_MS),
          schedule: Schedule.exponential(Duration.millis(250), 2).pipe(
            Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.seconds(3)))
          )
        }),
        Effect.catchTags({
          Dropped: (error) => Effect.fail(new ListenerEnded({ reason: `the stream could not be reconnected (${error.reason})` })),
          Refused: (error) => Effect.fail(error.error)
        })
      )
    }).pipe(Effect.scoped)
).pipe(Command.withDescription("Forward real, signed deliveries to a local URL (a temporary webhook, removed on exit)."))

/** No answer at all, or Herald's 5xx (a 503 while it stops): worth connecting again. */
const isTransient = (error: unknown) =>
  error instanceof ListenerStream.Silent ||
  (HttpClientError.isHttpClientError(error) && error._tag === "RequestError") ||
  (Predicate.hasProperty(error, "status_code") && typeof error.status_code === "number" && error.status_code >= 500)
