/**
 * The API's request log: one line per answered request (`all`), per refused or
 * failed one (`errors`, the default: status 400 and above), or none (`off`).
 * Logging every request costs about a tenth of the API's CPU at full load (each
 * line goes through the logger and a synchronous write); most deployments log
 * requests at their load balancer and want the application to speak up only when
 * something went wrong.
 */
import { type HttpApp, HttpServerError, HttpServerRequest } from "@effect/platform"
import { Config, Effect, Exit } from "effect"

export type RequestLog = "all" | "errors" | "off"

export const DEFAULT: RequestLog = "errors"

export const config: Config.Config<RequestLog> = Config.literal("all", "errors", "off")("HERALD_REQUEST_LOG").pipe(
  Config.withDefault(DEFAULT),
  Config.withDescription("Which API requests are logged: all, errors (status >= 400), or off")
)

/** `HttpMiddleware.logger`'s line, for the requests answered with a status of 400 or more. */
export const errorsOnly = (app: HttpApp.Default): HttpApp.Default =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.flatMap(Effect.exit(app), (exit) => {
      const [response, cause] = Exit.isSuccess(exit)
        ? [exit.value, undefined]
        : HttpServerError.causeResponseStripped(exit.cause)
      if (response.status < 400) return exit
      const message = cause !== undefined && cause._tag === "Some" ? cause.value : "Sent HTTP response"
      return Effect.log(message).pipe(
        Effect.annotateLogs({ "http.method": request.method, "http.url": request.url, "http.status": response.status }),
        Effect.zipRight(exit)
      )
    }))
