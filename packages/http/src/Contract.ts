/**
 * The whole HTTP contract: the wire profiles (`contract/Profiles`) over one
 * core, and Herald's native routes (publishing, the delivery log, the event
 * type catalog, portal sessions, `herald listen`'s listeners, health). The native groups answer errors in the Datagrid
 * shape; each profile's groups declare their own error bodies, so each group
 * documents only the errors it can send. `ErrorMapping` turns framework failures (decode errors, unknown
 * routes) into the same bodies.
 *
 * The order is the committed document's: the default profile, the native
 * publishing, delivery log, catalog, portal and listeners, the other profiles, then health.
 */
import { HttpApi, OpenApi } from "@effect/platform"
import { Version } from "@herald/core"
import { Deliveries } from "./native/DeliveriesApi.js"
import { Events } from "./native/EventsApi.js"
import { EventTypes } from "./native/EventTypesApi.js"
import { Listeners } from "./native/ListenersApi.js"
import { Portal } from "./native/PortalApi.js"
import { Health } from "./native/HealthApi.js"
import * as OpenApiCleanup from "./docs/OpenApiCleanup.js"
import { BadRequest, Conflict, InternalError, NotFound } from "./profiles/datagrid/Errors.js"
import * as Profiles from "./contract/Profiles.js"
import * as HttpProfile from "./profiles/HttpProfile.js"

const [defaultProfile, ...otherProfiles] = Profiles.all

/**
 * Herald's whole HTTP API as an Effect `HttpApi`: every profile's groups and the native groups,
 * with their schemas, errors, scopes and rate limits. Serve it with `HttpApp.layer`; derive a typed
 * client with `HttpApiClient.make(HeraldApi, { baseUrl })`; `docs/OpenApiDocument` renders it as
 * OpenAPI.
 */
export class HeraldApi extends HttpProfile.addAll(
  HttpProfile.addAll(HttpApi.make("herald"), [defaultProfile])
    .add(Deliveries.addError(BadRequest).addError(NotFound).addError(Conflict).addError(InternalError))
    .add(Events.addError(BadRequest).addError(NotFound).addError(Conflict).addError(InternalError))
    .add(EventTypes.addError(BadRequest).addError(NotFound).addError(Conflict).addError(InternalError))
    .add(Portal.addError(BadRequest).addError(NotFound).addError(InternalError))
    .add(Listeners.addError(BadRequest).addError(NotFound).addError(InternalError)),
  otherProfiles
)
  .add(Health.addError(BadRequest).addError(NotFound).addError(InternalError))
  .annotate(OpenApi.Transform, OpenApiCleanup.transform(Profiles.all))
  .annotate(OpenApi.Title, "Herald")
  .annotate(OpenApi.Version, Version.version)
  .annotate(
    OpenApi.Description,
    "Webhooks as a service: subscriptions, signed deliveries with retries, and an attempt log, in three wire profiles (Datagrid, Exa websets, Diga) over one core."
  )
{}
