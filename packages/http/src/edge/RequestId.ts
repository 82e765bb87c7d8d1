/**
 * Each request's id: the `X-Request-Id` a client or a proxy in front sent, when it is a plain
 * token (1 to 128 of `A-Z a-z 0-9 . _ : -`), else a new one (`req_` and 20 hex digits). It is
 * answered in the response's `X-Request-Id` and annotates every log line the request writes
 * (`requestId`), so an operator finds a customer's request from the id their client saw. The
 * teamspace is added to the same lines once the API key is known (`annotateTeamspace`).
 */
import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, FiberRef, HashMap } from "effect"
import { current, generate, HEADER } from "../contract/RequestId.js"

const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/

/** The request's id: the one sent, if it is a plain token, else a new one (`contract/RequestId`'s `generate`). */
export const of = (sent: string | undefined): string => sent !== undefined && ACCEPTED.test(sent) ? sent : generate()

/**
 * The middleware: the id answered and annotated on the request's log lines, and the request's
 * `current` id (`contract/RequestId`) for the error bodies that carry it. The header is added
 * as the response is written (a pre-response handler), since a middleware around the server's app
 * sees the response only once it is sent, whichever stage answered it.
 *
 * The annotation and `current` are set on the fiber rather than scoped to `app` (`Effect.locally`,
 * two `acquireUseRelease`s a request): this stage is the outermost of the middleware the server
 * applies, and each request runs in a fiber of its own (`NodeServing`), so nothing after it in that
 * fiber belongs to another request; as `annotateTeamspace` does.
 */
export const middleware = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const id = of(request.headers[HEADER])
    return HttpApp.appendPreResponseHandler((_, response) => Effect.succeed(HttpServerResponse.setHeader(response, HEADER, id))).pipe(
      Effect.zipRight(FiberRef.set(current, id)),
      Effect.zipRight(FiberRef.update(FiberRef.currentLogAnnotations, HashMap.set("requestId", id as unknown))),
      Effect.zipRight(app)
    )
  })

/**
 * Annotates the rest of the request's log lines with its teamspace: run where the API key has
 * been authenticated, in the request's fiber (the line the request log writes after the response
 * included).
 */
export const annotateTeamspace = (teamspace: string): Effect.Effect<void> =>
  FiberRef.update(FiberRef.currentLogAnnotations, HashMap.set("teamspace", teamspace as unknown))
