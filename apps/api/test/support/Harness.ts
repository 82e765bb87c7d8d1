/**
 * Starts the real embedded app (HTTP server on a free port, memory stores,
 * undici deliveries, worker in process) for end-to-end tests.
 */
import { HttpServer } from "@effect/platform"
import type { Ids } from "@herald/core"
import { Context, Effect, Exit, Layer, Redacted, Scope } from "effect"
import * as Embedded from "../../src/Embedded.js"

export interface RunningApp {
  readonly baseUrl: string
  /** API key -> teamspace, as configured. */
  readonly keys: Readonly<Record<string, string>>
  readonly close: () => Promise<void>
}

export const KEY_ACME = "hk_test_acme_0123456789abcdef"
export const KEY_GLOBEX = "hk_test_globex_0123456789abcdef"

export const start = async (options: Partial<Embedded.Options> = {}): Promise<RunningApp> => {
  const keys = { [KEY_ACME]: "acme", [KEY_GLOBEX]: "globex" }
  const layer = Embedded.layer({
    port: 0,
    host: "127.0.0.1",
    apiKeys: Object.entries(keys).map(([key, teamspace]) => [Redacted.make(key), teamspace as Ids.TeamspaceId] as const),
    retrySchedule: [0, 100, 100],
    allowPrivateUrls: true,
    delivery: { timeoutMs: 2_000, concurrency: 10 },
    ...options
  })
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const address = Context.get(context, HttpServer.HttpServer).address
  if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    keys,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
