/**
 * Where Herald is and which API key to call it with: the root command's global
 * options, `--url` (or `HERALD_URL`, default `http://127.0.0.1:8080`, where the API
 * listens by default) and `--api-key` (or `HERALD_API_KEY`). They belong to the root
 * command `herald`: given after a subcommand they are still read, unless the
 * subcommand has an option of that name (`webhooks create --url` is the
 * webhook's URL; Herald's then goes first: `herald --url http://... webhooks
 * create --url https://...`). A subcommand reads them with `Config.client`,
 * which fails with `MissingApiKey` when no key was given.
 * Environment variables are read here and nowhere else.
 */
import { Command, Options } from "@effect/cli"
import type { HttpClient } from "@effect/platform"
import { HeraldClient } from "@herald/client"
import { Config, Effect, Option, Redacted } from "effect"
import { MissingApiKey } from "./Errors.js"

/**
 * Herald's API on this machine with its defaults, as `npm start` serves it: `HOST` 127.0.0.1 and
 * `PORT` 8080. The address, not `localhost`, which may resolve to ::1 first, where Herald does not listen.
 */
export const DEFAULT_URL = "http://127.0.0.1:8080"

/** `--url`, else `HERALD_URL`, else `DEFAULT_URL`. */
export const url = Options.text("url").pipe(
  Options.withFallbackConfig(Config.string("HERALD_URL")),
  Options.withDefault(DEFAULT_URL),
  Options.withDescription(`Herald's base URL (env HERALD_URL; default ${DEFAULT_URL}).`)
)

/** `--api-key`, else `HERALD_API_KEY`; optional here so that its absence gets `MissingApiKey`'s message, not a parser error. */
export const apiKey = Options.redacted("api-key").pipe(
  Options.withFallbackConfig(Config.redacted("HERALD_API_KEY")),
  Options.optional,
  Options.withDescription("An API key of your teamspace (env HERALD_API_KEY).")
)

/** The root command with its global options only; `Main` adds the subcommands. */
export const root = Command.make("herald", { url, apiKey })

/** The client's options from the global options: the key required (an empty one is none), the URL without a trailing slash. */
export const clientOptions: Effect.Effect<HeraldClient.ClientOptions, MissingApiKey, Command.Command.Context<"herald">> =
  Effect.flatMap(root, (global) => {
    const key = Option.map(global.apiKey, Redacted.value).pipe(Option.filter((value) => value.trim() !== ""))
    return Option.match(key, {
      onNone: () => Effect.fail(new MissingApiKey()),
      onSome: (apiKey) => Effect.succeed({ url: global.url.replace(/\/+$/, ""), apiKey: apiKey.trim() })
    })
  })

/** The Effect client of the Herald the global options name. */
export const client: Effect.Effect<
  HeraldClient.Client,
  MissingApiKey,
  HttpClient.HttpClient | Command.Command.Context<"herald">
> = Effect.flatMap(clientOptions, HeraldClient.make)
