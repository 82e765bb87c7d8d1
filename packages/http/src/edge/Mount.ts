/**
 * The API mounted under a path prefix (`/webhooks-api`) in a server that also
 * serves other routes (`NodeHandler`). A request under the prefix goes on with
 * the prefix taken off its URL, so every later stage, the router and the
 * handlers see the API's own paths: the profile a path belongs to, the 405s,
 * the body guard, the idempotency fingerprint, the rate limits and scopes of a
 * route are the same as on Herald's own server. A request outside the prefix is
 * a 404 in the default profile's error shape (no profile serves it), saying
 * where the API's docs are.
 *
 * Like the router, the prefix is matched whatever its case.
 */
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import type * as HttpProfile from "../profiles/HttpProfile.js"

/**
 * A prefix as given, checked and written one way: it starts with `/` and has
 * no trailing `/`; "" (or "/") is the root, no prefix. One that is no plain
 * path (a query, a fragment, a space, an empty, `.` or `..` segment, a
 * `%`-escape) is a defect: it is the
 * embedder's code that passes it. It is matched as written (no parameters).
 */
export const normalize = (prefix: string): Effect.Effect<string> => {
  const path = prefix.replace(/\/+$/, "")
  if (path === "") return Effect.succeed("")
  // A host that normalizes or decodes paths would never hand over "." or ".." segments or "%"-escapes as written.
  return /^(\/[^/?#%\s]+)+$/.test(path) && !path.split("/").some((segment) => segment === "." || segment === "..")
    ? Effect.succeed(path)
    : Effect.dieMessage(
      `The API's path prefix must be a path such as "/webhooks-api" (starting with "/", without a query, "%", or empty, "." or ".." segments), not ${
        JSON.stringify(prefix)
      }`
    )
}

/**
 * `url` (a request's path and query) without `prefix` (normalized), "/" for the
 * prefix itself; undefined when `url` is not under it (`/webhooks-apix` is not
 * under `/webhooks-api`).
 */
export const strip = (prefix: string, url: string): string | undefined => {
  if (prefix === "") return url
  if (url.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return undefined
  const rest = url.slice(prefix.length)
  if (rest === "" || rest.startsWith("?")) return `/${rest}`
  return rest.startsWith("/") ? rest : undefined
}

/** Whether `url` is under `prefix` (normalized): the requests a mounted API is meant to be handed. */
export const covers = (prefix: string, url: string): boolean => strip(prefix, url) !== undefined

/**
 * The prefix taken off each request's URL, as an API-level middleware, outside
 * `ErrorMapping` (which reads the path to choose the error shape); nothing at
 * the root. `profiles` are the registry's, the default first.
 */
export const layer = (prefix: string, profiles: HttpProfile.Registry) =>
  HttpApiBuilder.middleware((app) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const url = strip(prefix, request.url)
      if (url !== undefined) return Effect.provideService(app, HttpServerRequest.HttpServerRequest, request.modify({ url }))
      const { body, status } = profiles[0].errors.framework({ _tag: "RouteNotFound", under: prefix }, request)
      return Effect.succeed(HttpServerResponse.unsafeJson(body, { status }))
    })
  )
