/**
 * The registry of profiles this API serves, one line each; the default (for a
 * webhook created without one, and the error shape of paths no profile owns)
 * comes first. Everything profile-neutral reads this list: the contract, the
 * server's layers, error mapping, idempotency, the OpenAPI tag groups, the
 * delivery envelopes (API and worker) and `HERALD_EVENT_TYPES_<NAME>`.
 * `contract/Profiles.ts` lists the same profiles' contract parts for clients.
 *
 * How to add a profile: docs/architecture.md, "Adding a profile".
 */
import { Profiles } from "@herald/core"
import { Layer } from "effect"
import { profile as datagrid } from "./profiles/datagrid/Profile.js"
import { profile as diga } from "./profiles/diga/Profile.js"
import { profile as exa } from "./profiles/exa/Profile.js"

/**
 * The profiles this server serves, the default first: each one's contract, handlers,
 * authentication, error shapes and delivery envelope (`HttpProfile.Profile`).
 */
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
