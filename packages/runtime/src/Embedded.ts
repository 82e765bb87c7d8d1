/**
 * The embedded default: every port in memory, deliveries over undici, API and
 * worker in one process. For trying Herald and for tests; data is lost on exit.
 */
import { type Herald } from "@herald/core"
import type { ServingConfig } from "./Environment.js"
import * as Process from "./Process.js"
import * as Ports from "./Ports.js"
import type * as Protection from "@herald/http/edge/Protection"

/**
 * What the embedded mode needs: where to listen, the API keys to accept (a key is generated when
 * there are none), Herald's settings, and optionally the API's rate and request limits.
 */
export type Options = Pick<ServingConfig, "port" | "host" | "apiKeys"> & Herald.Settings & {
  readonly protection?: Protection.Settings | undefined
}

/**
 * Herald in one process on memory: the HTTP API and the delivery loop, every port in memory and
 * deliveries over undici. Launch it (`Layer.launch`) for a server that needs no Redis; its data is
 * lost on exit. Fails when the server cannot listen.
 */
export const layer = (options: Options): ReturnType<typeof Process.all> =>
  Process.all({
    listen: options,
    apiKeys: options.apiKeys,
    settings: options,
    ports: Ports.memory,
    protection: options.protection
  })
