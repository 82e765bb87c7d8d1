/**
 * `herald trigger <event_type> [--data @file.json | --data '{...}'] [--id evt_x]`:
 * publishes an event. Without `--data` it publishes the example payload the
 * catalog holds for the type (what a receiver should expect), or `{}` when the
 * type has none, saying so: a developer can fire any event type at a local
 * receiver without writing a payload first.
 */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import type { HeraldClient } from "@herald/client"
import * as ContractProfiles from "@herald/http/contract/Profiles"
import { NotFound } from "@herald/http/profiles/datagrid/Errors"
import { Effect, Option, Predicate } from "effect"
import * as Config from "../Config.js"
import { UsageError } from "../Errors.js"
import * as Output from "../Output.js"

const eventType = Args.text({ name: "event_type" }).pipe(Args.withDescription("The event type, e.g. order.created."))

const data = Options.text("data").pipe(
  Options.optional,
  Options.withDescription("The event's data: a JSON object, or @file.json to read it from a file (default: the catalog's example).")
)

const id = Options.text("id").pipe(
  Options.optional,
  Options.withDescription("Your id for the event (receivers' idempotency key); generated when absent.")
)

type EventData = { readonly [key: string]: unknown }

const isEventData = (value: unknown): value is EventData => Predicate.isRecord(value) && !Array.isArray(value)

/** `--data`'s JSON: the text itself, or the file after `@`. */
const readData = (option: string): Effect.Effect<EventData, UsageError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const source = option.startsWith("@") ? option.slice(1) : undefined
    const text = source === undefined
      ? option
      : yield* Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(source)).pipe(
        Effect.mapError((error) => new UsageError({ message: `--data: cannot read ${source}: ${error.message}` }))
      )
    const parsed = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (error) =>
        new UsageError({
          message: `--data${source === undefined ? "" : ` (${source})`} is not valid JSON: ${(error as Error).message}`
        })
    })
    if (!isEventData(parsed)) return yield* new UsageError({ message: "--data must be a JSON object, e.g. '{\"order\": 1}'." })
    return parsed
  })

/**
 * The catalog's example for the type, or `{}` with a note when it has none. The type is looked up in
 * each profile's catalog, the default profile's first: an Exa or Diga type has its example there.
 */
const exampleData = (client: HeraldClient.Client, name: string) =>
  Effect.gen(function*() {
    for (const profile of ContractProfiles.all.map((known) => known.name)) {
      const found = yield* client.eventTypes.retrieve({ path: { name }, urlParams: { profile } }).pipe(
        Effect.map(Option.some),
        Effect.catchIf((error) => error instanceof NotFound, () => Effect.succeedNone)
      )
      if (Option.isNone(found)) continue
      const { example } = found.value
      if (example === null || example === undefined) {
        yield* Output.note(`${name} has no example in the ${profile} catalog: publishing {}.`)
        return {}
      }
      if (!isEventData(example)) {
        return yield* new UsageError({ message: `${name}'s example in the ${profile} catalog is not a JSON object: pass --data.` })
      }
      yield* Output.note(`Publishing the ${profile} catalog's example for ${name}.`)
      return example
    }
    // Herald's answer to the publish names the types it accepts.
    yield* Output.note(`${name} is in no profile's catalog: publishing {} to let Herald say what it accepts.`)
    return {}
  })

/** The `trigger` command. */
export const command = Command.make(
  "trigger",
  { eventType, data, id, json: Output.json },
  (options) =>
    Effect.gen(function*() {
      const client = yield* Config.client
      const payload = yield* Option.match(options.data, {
        onNone: () => exampleData(client, options.eventType),
        onSome: readData
      })
      const published = yield* client.events.publish({
        payload: { event_type: options.eventType, data: payload, id: Option.getOrUndefined(options.id) }
      })
      yield* Output.answer(options.json, published, (event) => [
        event.duplicate
          ? `${event.id} (${event.event_type}) was published before: nothing new was delivered.`
          : `Published ${event.id} (${event.event_type}): ${event.deliveries} ${event.deliveries === 1 ? "delivery" : "deliveries"} enqueued.`
      ])
    })
).pipe(Command.withDescription("Publish an event (with the catalog's example payload unless --data is given)."))
