/**
 * API keys at start: the configured ones, or else one new key that is printed
 * once (the embedded default must be usable without any configuration).
 */
import { ApiKeys, type Ids } from "@herald/core"
import { Console, Effect, Layer, Redacted } from "effect"

export const DEFAULT_TEAMSPACE = "default" as Ids.TeamspaceId

export const layer = (seeds: ReadonlyArray<readonly [Redacted.Redacted<string>, Ids.TeamspaceId]>) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const apiKeys = yield* ApiKeys.ApiKeys
    if (seeds.length > 0) {
      for (const [key, teamspace] of seeds) yield* apiKeys.register(key, teamspace, { label: "HERALD_API_KEYS" })
      yield* Effect.logInfo(`${seeds.length} API key(s) loaded from HERALD_API_KEYS`)
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
