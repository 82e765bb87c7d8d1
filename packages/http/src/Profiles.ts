/**
 * The registry of profiles this API serves, one line each; the default (for a
 * webhook created without one, and the error shape of paths no profile owns)
 * comes first. Everything profile-neutral reads this list.
 *
 * Adding a profile:
 * 1. Make a folder `src/profiles/<name>/` holding all of it, like the others:
 *    `Api.ts` (its groups, tagged `<Resource> (<title>)`; `api`, an
 *    `HttpApi.make("herald")` of them, so its handlers fit the contract; and
 *    `contract`: its name, title and api),
 *    `Handlers.ts` (`HttpApiBuilder.group(api, ...)`, creating webhooks with
 *    `profile: "<name>"`), `Errors.ts` (its error
 *    bodies, `mapDomainErrors`, and a `responder` for framework failures),
 *    `Authentication.ts` (the middleware's Tag, providing `Principal`) and
 *    `Authenticator.ts` (its implementation, guarded by `Protection`), `Codec.ts`, `Envelope.ts` (its delivery body and signature
 *    headers, over core's `Signing`), `EventTypes.ts` (its default event types),
 *    and `Profile.ts` exporting one `profile`, typed
 *    `HttpProfile.HttpProfile<typeof api, typeof Handlers.layer, typeof
 *    Authenticator.layer>` under a name of its own (`...contract`, path
 *    prefixes, how it reads the API key and teamspace, envelope, event types,
 *    error responder, handlers, authentication).
 * 2. Add its line below, and its `contract` to `contract/Profiles.ts` (what
 *    clients load has no server code; a test checks the two lists agree), and
 *    export its contract modules from `index.ts` as the others are.
 * That is all: the contract, the server's layers, error mapping, idempotency,
 * the OpenAPI tag groups, the delivery envelopes (API and worker) and
 * `HERALD_EVENT_TYPES_<NAME>` follow from this list. (A route's rate limit of
 * its own is declared on its endpoint in `Api.ts`: each profile's create
 * endpoint declares `RateLimiting.RouteLimit`, 60 creations a minute; a route
 * declaring none gets the default.)
 */
import { Profiles } from "@herald/core"
import { Layer } from "effect"
import { profile as datagrid } from "./profiles/datagrid/Profile.js"
import { profile as diga } from "./profiles/diga/Profile.js"
import { profile as exa } from "./profiles/exa/Profile.js"

export const all = [
  datagrid,
  exa,
  diga
] as const

/** The core's registry (`@herald/core/Profiles`): envelopes for the Dispatcher, event types for the catalog. */
export const layer = Profiles.layer(all)

/** One layer of every profile's `F` (distributing over the profiles' layer types). */
type Each<F extends "handlers" | "authentication"> = Layer.Layer<Out<Field<F>>, Err<Field<F>>, In<Field<F>>>
type Out<L> = L extends Layer.Layer<infer A, infer _E, infer _R> ? A : never
type Err<L> = L extends Layer.Layer<infer _A, infer E, infer _R> ? E : never
type In<L> = L extends Layer.Layer<infer _A, infer _E, infer R> ? R : never
type Field<F extends "handlers" | "authentication"> = F extends "handlers" ? (typeof all)[number]["handlers"][number]
  : (typeof all)[number]["authentication"]

const mergeAll = (layers: ReadonlyArray<unknown>): never =>
  Layer.mergeAll(...layers as [Layer.Layer<never, unknown, unknown>]) as never

/** Every profile's handlers, one layer. */
export const handlers: Each<"handlers"> = mergeAll(all.flatMap<unknown>((profile) => profile.handlers))

/** Every profile's authentication middleware, one layer (Herald's native routes use the default profile's). */
export const authentications: Each<"authentication"> = mergeAll(all.map((profile) => profile.authentication))
