/**
 * The `herald` command: the root command (global options `--url` and
 * `--api-key`, from `Config`) with one subcommand per group of
 * `src/commands/`, and `main`, which runs it on a command line and turns every
 * expected failure into a message on stderr and an exit code (`Errors`).
 *
 * Adding a subcommand is one line: write `src/commands/<Name>.ts` exporting a
 * `command` (its handler reads the client with `yield* Config.client` and
 * prints with `Output.answer`), then add it to `subcommands` below.
 */
import { type CliApp, Command, ValidationError } from "@effect/cli"
import type { HttpClient } from "@effect/platform"
import { Console, Effect } from "effect"
import { createRequire } from "node:module"
import * as Attempts from "./commands/Attempts.js"
import * as Events from "./commands/Events.js"
import * as Listen from "./commands/Listen.js"
import * as Redeliver from "./commands/Redeliver.js"
import * as Trigger from "./commands/Trigger.js"
import * as Webhooks from "./commands/Webhooks.js"
import * as Config from "./Config.js"
import * as Errors from "./Errors.js"

/** This package's version (its package.json is one level above both src/ and dist/). */
export const version: string = (createRequire(import.meta.url)("../package.json") as { readonly version: string }).version

/** The subcommands, in the order `herald --help` lists them. */
export const subcommands = [
  Listen.command,
  Trigger.command,
  Webhooks.command,
  Events.command,
  Attempts.command,
  Redeliver.command
] as const

/** The root command, `herald`, with its global options and every subcommand. */
export const command = Config.root.pipe(
  Command.withDescription("Herald from the terminal: receive deliveries on localhost, publish events, manage webhooks, read the delivery log."),
  Command.withSubcommands(subcommands)
)

/** Runs `command` on a full command line (`process.argv`: the runtime and the script first). */
export const run = Command.run(command, { name: "herald", version })

/**
 * Runs the command line and answers its exit code: 0 when done; otherwise the
 * failure's message on stderr (@effect/cli prints its own validation errors)
 * and `Errors.exitCode` of it.
 */
export const main = (
  argv: ReadonlyArray<string>
): Effect.Effect<number, never, CliApp.CliApp.Environment | HttpClient.HttpClient> =>
  run(argv).pipe(
    Effect.as(Errors.ExitCode.ok),
    Effect.catchAll((error) =>
      ValidationError.isValidationError(error)
        ? Effect.succeed(Errors.exitCode(error))
        : Effect.as(Console.error(Errors.describe(error)), Errors.exitCode(error))
    )
  )
