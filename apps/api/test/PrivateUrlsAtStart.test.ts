/**
 * A process started with HERALD_ALLOW_PRIVATE_URLS=true says so once per
 * start, as a warning: one line whatever its role, including `all`, where the
 * API and the worker share the settings, and again at each later start in the
 * same Node process (a test run, an embedder restarting it); none without it.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Herald, Ids } from "@herald/core"
import { Effect, Layer, Logger, Redacted } from "effect"
import { type Environment, Ports, Process } from "@herald/runtime"

const settings = (allowPrivateUrls: boolean): Herald.Settings => ({
  retrySchedule: [0, 100],
  allowPrivateUrls,
  delivery: { timeoutMs: 1_000, concurrency: 1 }
})

/** Starts a process of `role`, stops it, and returns the warnings it logged meanwhile. */
const startAndStop = (role: Environment.Role, allowPrivateUrls: boolean) => {
  const warnings: Array<string> = []
  const logger = Logger.make<unknown, void>(({ logLevel, message }) => {
    if (logLevel._tag === "Warning") warnings.push((Array.isArray(message) ? message : [message]).map(String).join(" "))
  })
  const process = Process.layer(role, {
    listen: { port: 0, host: "127.0.0.1" },
    apiKeys: [[Redacted.make("hk_test_start_0123456789abcdef"), "acme" as Ids.TeamspaceId]],
    generateKey: false,
    settings: settings(allowPrivateUrls),
    ports: Ports.memory
  })
  return Effect.scoped(Layer.build(process)).pipe(
    Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
    Effect.as(warnings)
  )
}

describe("a process started with HERALD_ALLOW_PRIVATE_URLS=true", () => {
  it.live("says so once per start, as a warning, whatever its role", () =>
    Effect.gen(function*() {
      for (const role of ["all", "api", "worker", "all"] as const) {
        const said = yield* startAndStop(role, true)
        expect(said, `HERALD_ROLE=${role}`).toHaveLength(1)
        expect(said[0]).toContain("HERALD_ALLOW_PRIVATE_URLS")
        expect(said[0]).toContain("private")
      }
    }))

  it.live("and says nothing of it without", () =>
    Effect.gen(function*() {
      for (const role of ["all", "api", "worker"] as const) {
        expect(yield* startAndStop(role, false), `HERALD_ROLE=${role}`).toEqual([])
      }
    }))
})
