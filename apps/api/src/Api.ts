/**
 * The whole HTTP contract. Datagrid's groups and Herald's native ones
 * (publishing, the delivery log) answer errors in the Datagrid shape; each group
 * declares its errors, so that a profile's groups document only the bodies they
 * send. `ErrorMapping` turns framework failures (decode errors, unknown routes)
 * into the same bodies.
 */
import { HttpApi, OpenApi } from "@effect/platform"
import { Version } from "@herald/core"
import { DatagridWebhooks } from "./DatagridApi.js"
import { Deliveries } from "./DeliveriesApi.js"
import { Events } from "./EventsApi.js"
import { Health } from "./HealthApi.js"
import * as OpenApiCleanup from "./OpenApiCleanup.js"
import { BadRequest, Conflict, InternalError, NotFound } from "./WireError.js"

export class HeraldApi extends HttpApi.make("herald")
  .add(DatagridWebhooks.addError(BadRequest).addError(NotFound).addError(Conflict).addError(InternalError))
  .add(Deliveries.addError(BadRequest).addError(NotFound).addError(Conflict).addError(InternalError))
  .add(Events.addError(BadRequest).addError(NotFound).addError(Conflict).addError(InternalError))
  .add(Health.addError(BadRequest).addError(NotFound).addError(InternalError))
  .annotate(OpenApi.Transform, OpenApiCleanup.transform)
  .annotate(OpenApi.Title, "Herald")
  .annotate(OpenApi.Version, Version.version)
  .annotate(
    OpenApi.Description,
    "Webhooks as a service: subscriptions, signed deliveries with retries, and an attempt log."
  )
{}
