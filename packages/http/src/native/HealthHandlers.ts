import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { HeraldApi } from "../Contract.js"

export const layer = HttpApiBuilder.group(HeraldApi, "health", (handlers) =>
  handlers.handle("healthz", () => Effect.succeed({ status: "ok" as const })))
