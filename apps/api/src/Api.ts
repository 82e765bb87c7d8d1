/**
 * The whole HTTP contract. Every endpoint may answer with the errors added here;
 * `ErrorMapping` turns framework failures (decode errors, unknown routes) into
 * the same bodies.
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
  .add(DatagridWebhooks)
  .add(Deliveries)
  .add(Events)
  .add(Health)
  .addError(BadRequest)
  .addError(NotFound)
  .addError(Conflict)
  .addError(InternalError)
  .annotate(OpenApi.Transform, OpenApiCleanup.transform)
  .annotate(OpenApi.Title, "Herald")
  .annotate(OpenApi.Version, Version.version)
  .annotate(
    OpenApi.Description,
    "Webhooks as a service: subscriptions, signed deliveries with retries, and an attempt log."
  )
{}
