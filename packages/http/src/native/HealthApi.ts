/**
 * The liveness route, `GET /healthz`: needs no API key and checks no store.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import * as Scopes from "../edge/Scopes.js"

/** The `health` group: `GET /healthz`, without authentication. */
export class Health extends HttpApiGroup.make("health")
  .add(
    HttpApiEndpoint.get("healthz", "/healthz")
      .addSuccess(Schema.Struct({ status: Schema.Literal("ok") }))
      .annotate(OpenApi.Summary, "Liveness check")
      .annotate(
        OpenApi.Description,
        "Answers `{\"status\": \"ok\"}` while the process serves requests; needs no API key. It does not check Redis."
      )
  )
  .annotate(Scopes.Required, Scopes.none)
  .annotate(OpenApi.Title, "Health")
{}
