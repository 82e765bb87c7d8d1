/**
 * The handlers of the health routes (`HealthApi`): `GET /healthz` answers `{"status": "ok"}` while
 * the process serves; `GET /readyz` runs `Readiness.check` and answers 200 or 503 with each
 * dependency's state.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Readiness } from "@herald/core"
import { Effect } from "effect"
import { HeraldApi } from "../Contract.js"
import { NotReady } from "./HealthApi.js"

/** Implements the `health` group. */
export const layer = HttpApiBuilder.group(HeraldApi, "health", (handlers) =>
  handlers
    .handle("healthz", () => Effect.succeed({ status: "ok" as const }))
    .handle("readyz", () =>
      Effect.flatMap(Readiness.check(), ({ dependencies, ready }) =>
        ready
          ? Effect.succeed({ status: "ready" as const, dependencies })
          : Effect.fail(new NotReady({ status: "unavailable", dependencies })))))
