/**
 * Herald's HTTP contract, what a client imports: `HeraldApi` (every profile's
 * routes, schemas and error bodies), e.g. to derive a typed client with
 * `HttpApiClient.make(HeraldApi, { baseUrl })`, and each group's request and
 * response schemas and error classes, by profile. It loads no server code (a
 * test walks its imports); the server is `@herald/http/HttpApp`, and every
 * module is importable by its path.
 *
 * @packageDocumentation
 */
export { HeraldApi } from "./Contract.js"

/** Herald's own routes: publishing, the delivery log, the event type catalog, portal sessions, `herald listen`'s listeners, health (errors in the Datagrid shape). */
export * as NativeEvents from "./native/EventsApi.js"
export * as NativeDeliveries from "./native/DeliveriesApi.js"
export * as NativeEventTypes from "./native/EventTypesApi.js"
export * as NativePortal from "./native/PortalApi.js"
export * as NativeListeners from "./native/ListenersApi.js"
export * as NativeHealth from "./native/HealthApi.js"

/** The Datagrid profile: webhook routes, error bodies, bearer authentication. */
export * as DatagridApi from "./profiles/datagrid/Api.js"
export * as DatagridErrors from "./profiles/datagrid/Errors.js"
export * as DatagridAuthentication from "./profiles/datagrid/Authentication.js"

/** The Exa websets profile. */
export * as ExaApi from "./profiles/exa/Api.js"
export * as ExaErrors from "./profiles/exa/Errors.js"
export * as ExaAuthentication from "./profiles/exa/Authentication.js"

/** The Diga profile. */
export * as DigaApi from "./profiles/diga/Api.js"
export * as DigaErrors from "./profiles/diga/Errors.js"
export * as DigaAuthentication from "./profiles/diga/Authentication.js"
