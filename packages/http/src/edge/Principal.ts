/**
 * Who is calling: the API key a request authenticated with, and its teamspace.
 * Every profile's authentication middleware provides it and every handler reads
 * it, so it belongs to no profile; the edge's checks after authentication
 * (`Protection.guard`) take it too.
 */
import type { ApiKeyStore, Ids } from "@herald/core"
import { Context } from "effect"

/** The caller: its teamspace, and the API key it authenticated with (scopes included). */
export interface PrincipalShape {
  readonly teamspace: Ids.TeamspaceId
  readonly key: ApiKeyStore.ApiKey
}

/** Who is calling: provided to every authenticated handler. */
export class Principal extends Context.Tag("@herald/api/Principal")<Principal, PrincipalShape>() {}
