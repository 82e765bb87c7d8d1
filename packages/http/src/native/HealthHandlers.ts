/**
 * The handler of `GET /healthz` (`HealthApi`): answers `{"status": "ok"}` while
 * the process serves.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { HeraldApi } from "../Contract.js"

/** Implements the `health` group. */
export const layer = HttpApiBuilder.group(HeraldApi, "health", (handlers) =>
  handlers.handle("healthz", () => Effect.succeed({ status: "ok" as const })))
