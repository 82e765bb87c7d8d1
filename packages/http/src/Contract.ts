/**
 * The whole HTTP contract: three wire profiles over one core. Datagrid's groups
 * and Herald's native ones (publishing, the delivery log) answer errors in the
 * Datagrid shape; the Exa and Diga groups declare their own error bodies, so each
 * group documents only the errors it can send. `ErrorMapping` turns framework
 * failures (decode errors, unknown routes) into the same bodies.
 */
import { HttpApi, OpenApi } from "@effect/platform"
import { Version } from "@herald/core"
import { DatagridWebhooks } from "./profiles/datagrid/Api.js"
import { Deliveries } from "./native/DeliveriesApi.js"
import { DigaWebhooks } from "./profiles/diga/Api.js"
import { Events } from "./native/EventsApi.js"
import { ExaEvents, ExaWebhooks } from "./profiles/exa/Api.js"
import { Health } from "./native/HealthApi.js"
import * as OpenApiCleanup from "./docs/OpenApiCleanup.js"
import { BadRequest, Conflict, InternalError, NotFound } from "./profiles/datagrid/Errors.js"

export class HeraldApi extends HttpApi.make("herald")
  .add(DatagridWebhooks.addError(BadRequest).addError(NotFound).addError(Conflict).addError(InternalError))
  .add(Deliveries.addError(BadRequest).addError(NotFound).addError(Conflict).addError(InternalError))
  .add(Events.addError(BadRequest).addError(NotFound).addError(Conflict).addError(InternalError))
  .add(ExaWebhooks)
  .add(ExaEvents)
  .add(DigaWebhooks)
  .add(Health.addError(BadRequest).addError(NotFound).addError(InternalError))
  .annotate(OpenApi.Transform, OpenApiCleanup.transform)
  .annotate(OpenApi.Title, "Herald")
  .annotate(OpenApi.Version, Version.version)
  .annotate(
    OpenApi.Description,
    "Webhooks as a service: subscriptions, signed deliveries with retries, and an attempt log, in three wire profiles (Datagrid, Exa websets, Diga) over one core."
  )
{}
