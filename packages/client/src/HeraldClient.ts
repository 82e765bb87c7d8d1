/**
 * Herald's API as a typed Effect client, derived from the HttpApi contract
 * (`HeraldApi`): every route is a method of its group (`client.events.publish`,
 * `client.webhooks.list`, ...), its payload and answer decoded by the
 * contract's schemas, and each documented error arrives as its class (e.g.
 * `DatagridErrors.NotFound`). Nothing here is written by hand per route, so the
 * client cannot drift from the server.
 */
import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { HeraldApi } from "@herald/http"
import { Context, type Effect, Layer } from "effect"

/** Where Herald is and the API key to call it with. */
export interface ClientOptions {
  /** Herald's base URL, e.g. `http://localhost:8080` (a mount prefix included, if any). */
  readonly url: string
  /** An API key of the teamspace to act in, sent as `Authorization: Bearer`. */
  readonly apiKey: string
}

/** The derived client: one group per contract group, one method per route. */
export type Client = Effect.Effect.Success<ReturnType<typeof derive>>

const derive = (options: ClientOptions) =>
  HttpApiClient.make(HeraldApi, {
    baseUrl: options.url,
    transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(options.apiKey))
  })

/** The client for `options`, over the `HttpClient` in context (e.g. `FetchHttpClient.layer`). */
export const make: (options: ClientOptions) => Effect.Effect<Client, never, HttpClient.HttpClient> = derive

/** The client as a service, for programs that take it from context. */
export class HeraldClient extends Context.Tag("@herald/client/HeraldClient")<HeraldClient, Client>() {}

/** `HeraldClient` for `options`, over the platform's fetch client. */
export const layer = (options: ClientOptions): Layer.Layer<HeraldClient> =>
  Layer.effect(HeraldClient, make(options)).pipe(Layer.provide(FetchHttpClient.layer))
