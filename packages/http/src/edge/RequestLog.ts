/**
 * The API's request log: one line per answered request (`all`), per refused or
 * failed one (`errors`, the default: status 400 and above), or none (`off`).
 * Logging every request costs about a tenth of the API's CPU at full load (each
 * line goes through the logger and a synchronous write); most deployments log
 * requests at their load balancer and want the application to speak up only when
 * something went wrong.
 */
import { type HttpApp, HttpMiddleware, HttpServerError, HttpServerRequest } from "@effect/platform"
import { type Cause, Effect, Exit, identity, Option } from "effect"

/** Which requests the API logs: `all`, `errors` (status 400 and above) or `off`. */
export type RequestLog = "all" | "errors" | "off"

/** Requests are logged when they are refused or fail. */
export const DEFAULT: RequestLog = "errors"

/**
 * `HttpMiddleware.logger`'s line, for the requests answered with a status of 400
 * or more: a defect or unexpected failure as the line's cause, else "Sent HTTP
 * response".
 */
export const errorsOnly = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.flatMap(Effect.exit(app), (exit) => {
    const [response, cause] = Exit.isSuccess(exit)
      ? [exit.value, Option.none<Cause.Cause<unknown>>()]
      : HttpServerError.causeResponseStripped(exit.cause)
    if (response.status < 400) return exit
    const line = Option.isSome(cause) ? Effect.log(cause.value) : Effect.log("Sent HTTP response")
    // The request is looked up only for the lines that are logged.
    return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      line.pipe(
        Effect.annotateLogs({ "http.method": request.method, "http.url": request.url, "http.status": response.status }),
        Effect.zipRight(exit)
      ))
  })

/** The log `requestLog` asks for, as the middleware the server applies around the app. */
export const middleware = (requestLog: RequestLog): <E, R>(app: HttpApp.Default<E, R>) => HttpApp.Default<E, R> =>
  requestLog === "all" ? HttpMiddleware.logger : requestLog === "errors" ? errorsOnly : identity
