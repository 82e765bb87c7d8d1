/**
 * How long a client may take to send a request, as the API process is
 * configured (`HERALD_HEADERS_TIMEOUT`, `HERALD_REQUEST_TIMEOUT`); `HttpServer`
 * gives them to Node. Apart from the server, so that reading the configuration
 * does not load the whole app.
 */
import { Durations } from "@herald/core"
import { Config, ConfigError, Either, Option } from "effect"

/**
 * How long a client may take to send a request's headers, and the whole request
 * (headers and body), before it is answered 408 and the connection closed; so a
 * client that stalls (a Content-Length it never fills, a chunked body that stops,
 * headers that never end) cannot hold a connection for minutes. Only receiving
 * the request counts: the time a handler takes to answer does not.
 */
export interface Timeouts {
  readonly headersMs: number
  readonly requestMs: number
}

export const defaults: Timeouts = { headersMs: 10_000, requestMs: 30_000 }

const range = { minMs: 100, maxMs: 600_000 }

/**
 * `HERALD_HEADERS_TIMEOUT` and `HERALD_REQUEST_TIMEOUT`; Node needs the first to
 * be no longer than the second. Unset, the headers timeout is its default or the
 * request timeout, whichever is shorter, so that a short request timeout alone
 * does not stop the start over a variable nobody set.
 */
export const config: Config.Config<Timeouts> = Config.all({
  headersMs: Config.option(Durations.config("HERALD_HEADERS_TIMEOUT", {
    ...range,
    description: `Time a client has to send a request's headers (408 after; default ${
      Durations.format(defaults.headersMs)
    }, or HERALD_REQUEST_TIMEOUT if shorter)`
  })),
  requestMs: Durations.config("HERALD_REQUEST_TIMEOUT", {
    ...range,
    defaultMs: defaults.requestMs,
    description: "Time a client has to send a whole request, headers and body (408 after)"
  })
}).pipe(
  Config.mapOrFail(({ headersMs, requestMs }) =>
    Option.match(headersMs, {
      onNone: () => Either.right({ headersMs: Math.min(defaults.headersMs, requestMs), requestMs }),
      onSome: (headersMs) =>
        headersMs <= requestMs ? Either.right({ headersMs, requestMs }) : Either.left(ConfigError.InvalidData(
          ["HERALD_HEADERS_TIMEOUT"],
          `must be no longer than HERALD_REQUEST_TIMEOUT (${Durations.format(requestMs)}), which covers the headers too`
        ))
    })
  )
)
