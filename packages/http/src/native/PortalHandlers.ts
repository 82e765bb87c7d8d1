/**
 * The handlers of the portal's routes (`PortalApi`): open a session over the
 * core's `PortalSessions` and give its link; read the current session back.
 */
import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Errors, PortalSessions } from "@herald/core"
import { Effect, Redacted } from "effect"
import { HeraldApi } from "../Contract.js"
import { Principal } from "../edge/Principal.js"
import { PortalSettings } from "../portal/PortalSettings.js"
import * as PortalPage from "../portal/PortalPage.js"
import { badRequest, mapDomainErrors, notFound } from "../profiles/datagrid/Errors.js"

/**
 * Where the API is, as the client reached it: `HERALD_PUBLIC_URL` when set, else `http://` + the
 * request's `Host` + the prefix the API is mounted under (what its original URL has before the
 * API's own path).
 */
const apiRoot = Effect.gen(function*() {
  const { publicUrl } = yield* PortalSettings
  if (publicUrl !== undefined) return publicUrl
  const request = yield* HttpServerRequest.HttpServerRequest
  const host = request.headers["host"] ?? ""
  // A name or address and a port, nothing else: a Host that carries a path or a query would send the token elsewhere.
  if (!HOST.test(host)) {
    return yield* Effect.fail(badRequest(
      `Host ${Errors.echo(host)} is not a host name with an optional port: set HERALD_PUBLIC_URL to the URL clients reach Herald at`
    ))
  }
  const prefix = request.originalUrl.endsWith(request.url)
    ? request.originalUrl.slice(0, request.originalUrl.length - request.url.length)
    : ""
  return `http://${host}${prefix}`
})

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

/** Implements the `portal` group; needs the core's `PortalSessions` (`Herald.servicesLayer`). */
export const layer = HttpApiBuilder.group(HeraldApi, "portal", (handlers) =>
  Effect.gen(function*() {
    const sessions = yield* PortalSessions.PortalSessions
    return handlers
      .handle("openSession", ({ payload }) =>
        Effect.gen(function*() {
          const { teamspace } = yield* Principal
          // Before the session is opened: a request its link cannot be made for opens none.
          const root = yield* apiRoot
          const opened = yield* sessions.open(teamspace, {
            readOnly: payload.read_only,
            expiresIn: payload.expires_in,
            profile: payload.profile
          }).pipe(mapDomainErrors)
          const token = Redacted.value(opened.token)
          return {
            object: "portal_session" as const,
            teamspace,
            profile: opened.session.profile,
            read_only: opened.session.readOnly,
            expires_at: new Date(opened.session.expiresAt).toISOString(),
            url: `${root}${PortalPage.PATH}/#token=${token}`,
            token
          }
        }))
      .handle("currentSession", () =>
        Effect.gen(function*() {
          const { key, teamspace } = yield* Principal
          if (key.session === null) {
            return yield* Effect.fail(notFound("This request is made with an API key, not a portal session's token"))
          }
          return {
            object: "portal_session" as const,
            teamspace,
            profile: key.session.profile,
            read_only: key.session.readOnly,
            expires_at: new Date(key.session.expiresAt).toISOString()
          }
        }))
  }))
