/**
 * How long a client may take to send a request, as the API process is
 * configured (`HERALD_HEADERS_TIMEOUT`, `HERALD_REQUEST_TIMEOUT`, read by
 * `@herald/runtime`'s Environment); `HttpServer` gives them to Node. Apart from
 * the server, so that reading the configuration does not load the whole app.
 */

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

/** 10 s for the headers, 30 s for the whole request. */
export const defaults: Timeouts = { headersMs: 10_000, requestMs: 30_000 }
