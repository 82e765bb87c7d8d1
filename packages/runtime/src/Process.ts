/**
 * One Herald process: the chosen ports, the core services over them, and the
 * parts its role runs (the HTTP API, the delivery worker, or both).
 */
import type { HttpServer as PlatformHttpServer } from "@effect/platform"
import { type ApiKeys, Herald, Metrics, type UrlPolicy } from "@herald/core"
import { Layer, Option, type Redacted } from "effect"
import type * as Environment from "./Environment.js"
import * as ApiKeySeed from "./ApiKeySeed.js"
import { HeraldApi } from "@herald/http/Contract"
import * as HttpServer from "@herald/http/HttpApp"
import * as Protection from "@herald/http/edge/Protection"
import * as Exposition from "@herald/http/metrics/Exposition"
import * as OperationsServer from "@herald/http/OperationsServer"
import * as Profiles from "@herald/http/Profiles"
import { JsonSchemas } from "@herald/json-schema"


/**
 * What a process is composed of: where the API listens, the API keys to seed, Herald's settings,
 * the ports layer (`Ports.memory` or `Ports.redis`), and the API's protection.
 */
export interface Options<E> {
  readonly listen: HttpServer.ListenOptions
  readonly apiKeys: ReadonlyArray<ApiKeys.SeedKey>
  readonly settings: Herald.Settings
  readonly ports: Layer.Layer<Herald.Ports, E, UrlPolicy.UrlPolicy>
  /** Create and print a key when `apiKeys` is empty (the embedded default); true when absent. */
  readonly generateKey?: boolean | undefined
  /** Rate limits and request limits of the HTTP API; `Protection.defaultsFor(HeraldApi)` when absent. */
  readonly protection?: Protection.Settings | undefined
  /** Whether metrics are recorded and served at `/metrics` (`Metrics.Enabled`); true when absent. */
  readonly metrics?: boolean | undefined
  /** The bearer token `/metrics` requires (`Exposition.Token`); none when absent. */
  readonly metricsToken?: Redacted.Redacted<string> | undefined
}

/** What a process reads whatever its role. */
export type Common<E> = Pick<Options<E>, "settings" | "ports" | "metrics" | "metricsToken">

/** What every process provides: the ports, the settings as services, the JSON Schema validator, and the core services over them. */
export type Services =
  | Herald.Ports
  | Layer.Layer.Success<ReturnType<typeof Herald.settingsLayer>>
  | Layer.Layer.Success<typeof Herald.servicesLayer>

/** The core services over the ports, without HTTP or the delivery loop: what a process that only publishes runs. */
export const services = <E>(options: Common<E>): Layer.Layer<Services, E> =>
  Herald.servicesLayer.pipe(
    Layer.provideMerge(options.ports),
    Layer.provideMerge(Herald.settingsLayer(options.settings)),
    Layer.provideMerge(Profiles.layer),
    // Event types' JSON Schemas, checked when registered and when an event of the type is published.
    Layer.provideMerge(JsonSchemas.layer),
    Layer.provideMerge(Layer.succeed(Metrics.Enabled, options.metrics !== false)),
    Layer.provideMerge(Layer.succeed(Exposition.Token, Option.fromNullable(options.metricsToken)))
  )

const api = <E>(options: Options<E>) =>
  HttpServer.layer(options.listen).pipe(
    Layer.provide(Protection.layer(options.protection ?? Protection.defaultsFor(HeraldApi))),
    Layer.provideMerge(ApiKeySeed.layer(options.apiKeys, { generate: options.generateKey !== false }))
  )

/** API and delivery in one process. */
export const all = <E>(options: Options<E>): Layer.Layer<PlatformHttpServer.HttpServer | Services, unknown> =>
  Layer.merge(api(options), Herald.workerLayer).pipe(Layer.provideMerge(services(options)))

/** The HTTP API only: publishes enqueue, other processes deliver. */
export const apiOnly = <E>(options: Options<E>): Layer.Layer<PlatformHttpServer.HttpServer | Services, unknown> => api(options).pipe(Layer.provideMerge(services(options)))

/**
 * Delivery only, with the operations port (`OperationsServer`) when `operations` says where: it
 * listens before the delivery loop starts, so a port it cannot have stops the process before it
 * takes a job.
 */
export const workerOnly = <E>(
  options: Common<E> & { readonly operations?: OperationsServer.ListenOptions | undefined }
): Layer.Layer<Services, unknown> =>
  (options.operations === undefined
    ? Herald.workerLayer
    : Herald.workerLayer.pipe(Layer.provideMerge(OperationsServer.layer(options.operations))))
    .pipe(Layer.provideMerge(services(options)))

/**
 * The layer of a process in `role`: `all`, `apiOnly` or `workerOnly` over the same options. Fails
 * when the ports or the server cannot start.
 */
export const layer = <E>(role: Environment.Role, options: Options<E>): Layer.Layer<never, unknown> => {
  switch (role) {
    case "all":
      return all(options)
    case "api":
      return apiOnly(options)
    case "worker":
      return workerOnly(options)
  }
}
