/**
 * The embedded default: every port in memory, deliveries over undici, API and
 * worker in one process. For trying Herald and for tests; data is lost on exit.
 */
import { type Herald } from "@herald/core"
import type { ServingConfig } from "./Environment.js"
import * as Process from "./Process.js"
import * as Ports from "./Ports.js"
import type * as Protection from "@herald/http/edge/Protection"

export type Options = Pick<ServingConfig, "port" | "host" | "apiKeys"> & Herald.Settings & {
  readonly protection?: Protection.Settings | undefined
}

export const layer = (options: Options): ReturnType<typeof Process.all> =>
  Process.all({
    listen: options,
    apiKeys: options.apiKeys,
    settings: options,
    ports: Ports.memory,
    protection: options.protection
  })
