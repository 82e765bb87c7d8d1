/**
 * How a Node request reaches the app: the request listener both Herald's own
 * server (`HttpApp.layer`) and an application's server (`NodeHandler`) use, in
 * place of `@effect/platform-node`'s `NodeHttpServer.makeHandler`. The app is
 * the same (the contract's router, the edge, the handlers); only the adapter
 * between Node and it is leaner, because the platform's costs a fixed amount
 * per request that profiling put ahead of most of Herald's own work:
 *
 * - the request's body is read once into a string by a plain stream listener,
 *   shared by every copy of the request (`modify`), where the platform's ran a
 *   second fiber (`Effect.runSync(Effect.cached(...))`) per request to make the
 *   cached reader, and read it through `acquireUseRelease`;
 * - a response with a body in memory (every JSON answer) is handed to Node with
 *   `end` and the request is done, where the platform's suspended the request's
 *   fiber until Node called back once the bytes were flushed, and resumed it
 *   then only to end it.
 *
 * What the app sees is what the platform gave it: an `HttpServerRequest` whose
 * `source` and `response` are Node's (`NodeHttpServerRequest.toIncomingMessage`
 * works), a scope per request closed once the response is written, pre-response
 * handlers, a client that goes away interrupting the request, the same error
 * values, the same bytes on the wire. Streamed responses (`handleRaw`'s event
 * streams) are written exactly as the platform writes them.
 */
import * as Http from "node:http"
import type { ListenOptions, Socket } from "node:net"
import { type Duplex, Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import type { ReadableStream as WebReadableStream } from "node:stream/web"
import {
  Cookies,
  type Headers,
  HttpApp,
  HttpIncomingMessage,
  type HttpMiddleware,
  HttpServer,
  HttpServerError,
  HttpServerRequest,
  type HttpServerResponse,
  type FileSystem,
  type Multipart,
  type Path,
  type UrlParams as UrlParamsType
} from "@effect/platform"
import * as UrlParams from "@effect/platform/UrlParams"
import { NodeMultipart, NodeStream } from "@effect/platform-node"
import { Cause, Chunk, Context, Effect, Exit, Inspectable, Option, Runtime, type Scope, Stream } from "effect"

/**
 * A request's body, read once however many copies of the request ask for it,
 * and parsed as JSON once however many readers ask (the rate limit's
 * `RequestCost` counts a batch's events before the handler's decoder reads it).
 */
class BodyText {
  private exit: Exit.Exit<string, HttpServerError.RequestError> | undefined
  private parsed: { readonly value: unknown } | undefined
  private waiting: Array<(exit: Exit.Exit<string, HttpServerError.RequestError>) => void> | undefined

  constructor(
    private readonly source: Http.IncomingMessage,
    private readonly maxBytes: number | undefined
  ) {}

  readonly read = (onError: (cause: unknown) => HttpServerError.RequestError): Effect.Effect<string, HttpServerError.RequestError> =>
    Effect.suspend(() => {
      if (this.exit !== undefined) return this.exit
      return Effect.async<string, HttpServerError.RequestError>((resume) => {
        if (this.waiting !== undefined) {
          this.waiting.push(resume)
          return
        }
        this.waiting = [resume]
        this.start(onError)
      })
    })

  /** The body parsed as JSON (`null` when empty); a body that does not parse fails with `onError`'s error each time it is read. */
  readonly json = (onError: (cause: unknown) => HttpServerError.RequestError): Effect.Effect<unknown, HttpServerError.RequestError> =>
    Effect.flatMap(this.read(onError), (text) => {
      if (this.parsed !== undefined) return Effect.succeed(this.parsed.value)
      try {
        this.parsed = { value: text === "" ? null : JSON.parse(text) as unknown }
        return Effect.succeed(this.parsed.value)
      } catch (error) {
        return Effect.fail(onError(error))
      }
    })

  private start(onError: (cause: unknown) => HttpServerError.RequestError): void {
    const stream = this.source
    // As the platform reads it: text decoded as UTF-8 chunk by chunk, the stream destroyed once read.
    stream.setEncoding("utf8")
    let text = ""
    let bytes = 0
    const finish = (exit: Exit.Exit<string, HttpServerError.RequestError>) => {
      if (this.exit !== undefined) return
      stream.off("data", onData)
      this.exit = exit
      if (!stream.closed) stream.destroy()
      const waiting = this.waiting ?? []
      this.waiting = undefined
      for (const resume of waiting) resume(exit)
    }
    const onData = (chunk: string) => {
      text += chunk
      bytes += Buffer.byteLength(chunk)
      if (this.maxBytes !== undefined && bytes > this.maxBytes) finish(Exit.fail(onError(new Error("maxBytes exceeded"))))
    }
    stream.once("error", (error) => finish(Exit.fail(onError(error))))
    stream.once("end", () => finish(Exit.succeed(text)))
    stream.on("data", onData)
  }
}

/** The platform's `HttpServerRequest` over Node's request and response, with the body read by `BodyText`. */
class NodeRequest extends Inspectable.Class implements HttpServerRequest.HttpServerRequest {
  readonly [HttpServerRequest.TypeId]: HttpServerRequest.TypeId = HttpServerRequest.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  private cachedCookies: Record<string, string> | undefined
  private multipartEffect: HttpServerRequest.HttpServerRequest["multipart"] | undefined
  private readonly onError = (cause: unknown) => new HttpServerError.RequestError({ request: this, reason: "Decode", cause })

  constructor(
    readonly source: Http.IncomingMessage,
    readonly response: Http.ServerResponse | (() => Http.ServerResponse),
    private readonly body: BodyText,
    private readonly maxBytes: number | undefined,
    readonly url: string = source.url ?? "",
    private readonly headersOverride?: Headers.Headers,
    private readonly remoteAddressOverride?: string
  ) {
    super()
  }

  get resolvedResponse(): Http.ServerResponse {
    return typeof this.response === "function" ? this.response() : this.response
  }
  get originalUrl(): string {
    return this.source.url ?? ""
  }
  get method(): HttpServerRequest.HttpServerRequest["method"] {
    return this.source.method!.toUpperCase() as HttpServerRequest.HttpServerRequest["method"]
  }
  get headers(): Headers.Headers {
    return this.headersOverride ?? (this.source.headers as Headers.Headers)
  }
  get cookies(): Record<string, string> {
    return this.cachedCookies ??= Cookies.parseHeader(this.headers.cookie ?? "")
  }
  get remoteAddress(): Option.Option<string> {
    return Option.fromNullable(this.remoteAddressOverride ?? this.source.socket.remoteAddress)
  }
  get text(): Effect.Effect<string, HttpServerError.RequestError> {
    return this.body.read(this.onError)
  }
  get json(): Effect.Effect<unknown, HttpServerError.RequestError> {
    return this.body.json(this.onError)
  }
  get urlParamsBody(): Effect.Effect<UrlParamsType.UrlParams, HttpServerError.RequestError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({ try: () => UrlParams.fromInput(new URLSearchParams(text)), catch: this.onError }))
  }
  get stream(): Stream.Stream<Uint8Array, HttpServerError.RequestError> {
    return NodeStream.fromReadable(() => this.source, this.onError)
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpServerError.RequestError> {
    return NodeStream.toUint8Array(() => this.source, { onFailure: this.onError, maxBytes: this.maxBytes }) as Effect.Effect<
      unknown,
      HttpServerError.RequestError
    > as Effect.Effect<ArrayBuffer, HttpServerError.RequestError>
  }
  get multipart(): Effect.Effect<Multipart.Persisted, Multipart.MultipartError, Scope.Scope | FileSystem.FileSystem | Path.Path> {
    return this.multipartEffect ??= Effect.runSync(Effect.cached(NodeMultipart.persisted(this.source, this.source.headers)))
  }
  get multipartStream(): Stream.Stream<Multipart.Part, Multipart.MultipartError> {
    return NodeMultipart.stream(this.source, this.source.headers)
  }
  get upgrade(): HttpServerRequest.HttpServerRequest["upgrade"] {
    return Effect.fail(new HttpServerError.RequestError({ request: this, reason: "Decode", description: "not an upgradeable ServerRequest" }))
  }
  modify(options: Parameters<HttpServerRequest.HttpServerRequest["modify"]>[0]): HttpServerRequest.HttpServerRequest {
    return new NodeRequest(
      this.source,
      this.response,
      this.body,
      this.maxBytes,
      options.url ?? this.url,
      options.headers ?? this.headersOverride,
      options.remoteAddress ?? this.remoteAddressOverride
    )
  }
  override toString(): string {
    return `ServerRequest(${this.method} ${this.url})`
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, { _id: "@effect/platform/HttpServerRequest", method: this.method, url: this.originalUrl })
  }
}

/** `HttpApp.toHandled` with `handleResponse`. */
const toHandled = (app: HttpApp.Default<unknown, unknown>, middleware: HttpMiddleware.HttpMiddleware | undefined) =>
  HttpApp.toHandled(app, handleResponse, middleware)

/** A request's Node response, whichever kind the request carries (a function for an upgrade's). */
const nodeResponseOf = (request: HttpServerRequest.HttpServerRequest): Http.ServerResponse => (request as NodeRequest).resolvedResponse

/**
 * Writes a response as the platform's Node server does, except that a body
 * already in memory is handed to Node without waiting for it to be flushed.
 */
const handleResponse = (
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<void, HttpServerError.ResponseError> => {
  const nodeResponse = nodeResponseOf(request)
  if (nodeResponse.writableEnded) return Effect.void
  let headers: Http.OutgoingHttpHeaders = response.headers
  if (!Cookies.isEmpty(response.cookies)) {
    headers = { ...headers }
    const toSet = Cookies.toSetCookieHeaders(response.cookies)
    if (headers["set-cookie"] !== undefined) toSet.push(headers["set-cookie"] as string)
    headers["set-cookie"] = toSet
  }
  if (request.method === "HEAD") {
    // Ended without waiting, as every in-memory body: on a socket the client already closed, Node
    // never calls an end callback, and a fiber waiting for it would stay forever.
    nodeResponse.writeHead(response.status, headers)
    nodeResponse.end()
    return Effect.void
  }
  const body = response.body
  switch (body._tag) {
    case "Empty": {
      nodeResponse.writeHead(response.status, headers)
      nodeResponse.end()
      return Effect.void
    }
    case "Raw": {
      nodeResponse.writeHead(response.status, headers)
      const raw = body.body as { pipe?: unknown } | null | undefined
      if (typeof raw === "object" && raw !== null && typeof raw.pipe === "function") {
        return Effect.tryPromise({
          try: (signal) => pipeline(raw as NodeJS.ReadableStream, nodeResponse, { signal, end: true }),
          catch: (cause) => new HttpServerError.ResponseError({ request, response, reason: "Decode", cause })
        }).pipe(Effect.interruptible, Effect.tapErrorCause(handleCause(nodeResponse, response)))
      }
      nodeResponse.end(body.body as string | Uint8Array | undefined)
      return Effect.void
    }
    case "Uint8Array": {
      nodeResponse.writeHead(response.status, headers)
      nodeResponse.end(body.body)
      return Effect.void
    }
    case "FormData": {
      return Effect.suspend(() => {
        const r = new Response(body.formData)
        nodeResponse.writeHead(response.status, { ...headers, ...Object.fromEntries(r.headers) })
        return Effect.async<void, HttpServerError.ResponseError>((resume, signal) => {
          Readable.fromWeb(r.body! as WebReadableStream, { signal }).pipe(nodeResponse).on("error", (cause) => {
            resume(Effect.fail(new HttpServerError.ResponseError({ request, response, reason: "Decode", cause })))
          }).once("finish", () => {
            resume(Effect.void)
          })
        }).pipe(Effect.interruptible, Effect.tapErrorCause(handleCause(nodeResponse, response)))
      })
    }
    case "Stream": {
      nodeResponse.writeHead(response.status, headers)
      const drainLatch = Effect.unsafeMakeLatch()
      nodeResponse.on("drain", () => drainLatch.unsafeOpen())
      return body.stream.pipe(
        Stream.orDie,
        Stream.runForEachChunk((chunk) => {
          const array = Chunk.toReadonlyArray(chunk)
          if (array.length === 0) return Effect.void
          let needDrain = false
          for (let i = 0; i < array.length; i++) {
            const written = nodeResponse.write(array[i])
            if (!written && !needDrain) {
              needDrain = true
              drainLatch.unsafeClose()
            } else if (written && needDrain) {
              needDrain = false
            }
          }
          if (!needDrain) return Effect.void
          return drainLatch.await
        }),
        Effect.interruptible,
        Effect.matchCauseEffect({
          onSuccess: () => Effect.sync(() => nodeResponse.end()),
          onFailure: handleCause(nodeResponse, response)
        })
      )
    }
  }
}

const handleCause = (nodeResponse: Http.ServerResponse, original: HttpServerResponse.HttpServerResponse) =>
<E>(originalCause: Cause.Cause<E>): Effect.Effect<never, E> =>
  Effect.flatMap(HttpServerError.causeResponse(originalCause), ([response, cause]): Effect.Effect<never, E> => {
    const headersSent = nodeResponse.headersSent
    if (!headersSent) nodeResponse.writeHead(response.status)
    if (!nodeResponse.writableEnded) nodeResponse.end()
    return Effect.failCause(headersSent ? Cause.sequential(originalCause, Cause.die(original)) : cause)
  })

/**
 * A Node request listener serving `app` with `middleware` around it, in the
 * current runtime: `NodeHttpServer.makeHandler`'s contract, with `NodeRequest`
 * and `handleResponse` above.
 */
export const makeHandler = <R, E>(
  app: HttpApp.Default<E, R>,
  middleware?: HttpMiddleware.HttpMiddleware | undefined
): Effect.Effect<
  (request: Http.IncomingMessage, response: Http.ServerResponse) => void,
  never,
  Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope>
> => {
  type Services = Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope>
  const handled = toHandled(app, middleware) as Effect.Effect<void, never, Services | HttpServerRequest.HttpServerRequest>
  return Effect.map(Effect.runtime<Services>(), (runtime) => {
    // The platform reads it from the request's context, which is the runtime's: read once here.
    const maxBodySize: Option.Option<FileSystem.Size> = Context.get(runtime.context, HttpIncomingMessage.MaxBodySize)
    const maxBytes = Option.isSome(maxBodySize) ? Number(maxBodySize.value) : undefined
    return function handler(nodeRequest: Http.IncomingMessage, nodeResponse: Http.ServerResponse) {
      const request = new NodeRequest(nodeRequest, nodeResponse, new BodyText(nodeRequest, maxBytes), maxBytes)
      // The request is in the fiber's context from its start: cheaper than `Effect.provideService` around the app.
      const fiber = Runtime.runFork(
        Runtime.make({
          context: Context.add(runtime.context, HttpServerRequest.HttpServerRequest, request),
          fiberRefs: runtime.fiberRefs,
          runtimeFlags: runtime.runtimeFlags
        }),
        handled
      )
      nodeResponse.on("close", () => {
        if (!nodeResponse.writableEnded) fiber.unsafeInterruptAsFork(HttpServerError.clientAbortFiberId)
      })
    }
  })
}

/**
 * An upgrade request (`Connection: Upgrade`) served as the platform serves one
 * when nothing upgrades it: through the same app, on a response made for its
 * socket, which is closed once the response is written.
 */
const upgradeListener = (
  handler: (request: Http.IncomingMessage, response: Http.ServerResponse) => void
) =>
(request: Http.IncomingMessage, socket: Duplex) => {
  const response = new Http.ServerResponse(request)
  // Node takes its own error listener off a socket it hands to `upgrade`: without one, a client
  // resetting the connection while the answer is written would be an uncaught error.
  socket.on("error", () => socket.destroy())
  response.assignSocket(socket as Socket)
  response.on("finish", () => {
    socket.end()
  })
  handler(request, response)
}

/**
 * The platform's `HttpServer` service on a Node server (`NodeHttpServer.make`'s
 * contract: listens on `options`, closes the server when the scope closes),
 * serving with `makeHandler`.
 */
export const make = (
  evaluate: () => Http.Server,
  options: ListenOptions
): Effect.Effect<HttpServer.HttpServer, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(
      Effect.sync(evaluate),
      (server) =>
        Effect.async<void>((resume) => {
          if (!server.listening) return resume(Effect.void)
          server.close((error) => resume(error ? Effect.die(error) : Effect.void))
        })
    )
    yield* Effect.async<void, HttpServerError.ServeError>((resume) => {
      const onError = (cause: unknown) => resume(Effect.fail(new HttpServerError.ServeError({ cause })))
      server.on("error", onError)
      server.listen(options, () => {
        server.off("error", onError)
        resume(Effect.void)
      })
    })
    const address = server.address()!
    return HttpServer.make({
      address: typeof address === "string"
        ? { _tag: "UnixAddress", path: address }
        : { _tag: "TcpAddress", hostname: address.address === "::" ? "0.0.0.0" : address.address, port: address.port },
      serve: (httpApp, middleware) =>
        Effect.gen(function*() {
          const handler = yield* makeHandler(httpApp, middleware)
          const upgrade = upgradeListener(handler)
          yield* Effect.addFinalizer(() =>
            Effect.sync(() => {
              server.off("request", handler)
              server.off("upgrade", upgrade)
            })
          )
          server.on("request", handler)
          server.on("upgrade", upgrade)
        })
    })
  })
