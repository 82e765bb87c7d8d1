/**
 * API keys at start: the configured ones, or else one new key that is printed
 * once (the embedded default must be usable without any configuration). On
 * Redis, where keys outlive the process and several API processes share them,
 * no key is invented: the keys command makes them.
 */
import { ApiKeys, type Ids } from "@herald/core"
import { Console, Effect, Layer, Redacted } from "effect"
import * as ApiKeyAdmin from "./ApiKeyAdmin.js"

/** The teamspace of the key generated at start when none is configured: `default`. */
export const DEFAULT_TEAMSPACE = "default" as Ids.TeamspaceId

/**
 * At start, registers the configured keys (`HERALD_API_KEYS`, parsed by `ApiKeys.parseSeed`); with
 * none, issues one key for `DEFAULT_TEAMSPACE` and prints it once, or, with `generate: false` (on
 * Redis), only says how to create one. Needs `ApiKeys` (`Herald.servicesLayer`).
 */
export const layer = (seeds: ReadonlyArray<ApiKeys.SeedKey>, options: { readonly generate?: boolean } = {}) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const apiKeys = yield* ApiKeys.ApiKeys
    if (seeds.length > 0) {
      for (const [key, teamspace, scopes] of seeds) {
        yield* apiKeys.register(key, teamspace, { label: "HERALD_API_KEYS", ...(scopes === undefined ? {} : { scopes }) })
      }
      yield* Effect.logInfo(`${seeds.length} API key(s) loaded from HERALD_API_KEYS`)
      return
    }
    if (options.generate === false) {
      yield* Effect.logInfo(
        `No HERALD_API_KEYS set: accepting the API keys in the store. Create one with \`${
          ApiKeyAdmin.createCommand(DEFAULT_TEAMSPACE)
        }\` (with this process's DATABASE_URL, or without one its REDIS_URL and HERALD_REDIS_PREFIX)`
      )
      return
    }
    const { key } = yield* apiKeys.issue(DEFAULT_TEAMSPACE, { label: "generated at start" })
    // Printed, not logged: the one time this key is shown, and not into log storage.
    yield* Console.log(
      `\nNo HERALD_API_KEYS set: created an API key for teamspace "${DEFAULT_TEAMSPACE}". It is shown only now:\n\n  ${
        Redacted.value(key)
      }\n`
    )
  }))
