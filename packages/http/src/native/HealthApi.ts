/**
 * The health routes, without an API key: liveness, `GET /healthz` (the process serves; it checks
 * no store), and readiness, `GET /readyz` (what the stores and the queue run on answers:
 * `Readiness.check`). A load balancer routes by readiness; an orchestrator restarts by liveness.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import * as Scopes from "../edge/Scopes.js"

/** Each dependency of the process (`redis`, `postgres`, `queue`) and whether it answered. */
const Dependencies = Schema.Record({ key: Schema.String, value: Schema.Literal("ok", "down") })

/** `GET /readyz`'s 503: a dependency did not answer. */
export class NotReady extends Schema.Class<NotReady>("NotReady")(
  { status: Schema.Literal("unavailable"), dependencies: Dependencies },
  HttpApiSchema.annotations({ status: 503, description: "A dependency did not answer" })
) {}

/** The `health` group: `GET /healthz` and `GET /readyz`, without authentication. */
export class Health extends HttpApiGroup.make("health")
  .add(
    HttpApiEndpoint.get("healthz", "/healthz")
      .addSuccess(Schema.Struct({ status: Schema.Literal("ok") }))
      .annotate(OpenApi.Summary, "Liveness check")
      .annotate(
        OpenApi.Description,
        "Answers `{\"status\": \"ok\"}` while the process serves requests; needs no API key. It checks no store: see `/readyz`."
      )
  )
  .add(
    HttpApiEndpoint.get("readyz", "/readyz")
      .addSuccess(Schema.Struct({ status: Schema.Literal("ready"), dependencies: Dependencies }))
      .addError(NotReady)
      .annotate(OpenApi.Summary, "Readiness check")
      .annotate(
        OpenApi.Description,
        "200 when every dependency of the stores and the queue answers (Redis, PostgreSQL, the queue's Redis: none in memory), 503 naming the one that is down; each is given 2 seconds. Needs no API key; the reasons are logged, not returned."
      )
  )
  .annotate(Scopes.Required, Scopes.none)
  .annotate(OpenApi.Title, "Health")
{}
