/**
 * Request limits, checked before a request is routed or authenticated:
 *
 * - a body larger than `HERALD_MAX_BODY_BYTES` (1 MiB) is a 413: at once when
 *   its `Content-Length` says so, else (a chunked body) as soon as reading it
 *   passes the limit. A chunked body is read here rather than by the platform,
 *   which drops the connection without an answer when a body grows too large;
 *   its 413 closes the connection instead (the rest of the body is not read);
 * - a POST, PUT or PATCH whose body is not JSON by its `Content-Type` is a 415.
 *   A request without a body is never refused for its content type (the
 *   official SDKs send `Content-Type: application/json` on GET and DELETE too),
 *   and one without a `Content-Type` is read as JSON.
 *
 * Both are rendered by `ErrorMapping` in the profile of the path. The event
 * `data` cap (`HERALD_MAX_EVENT_DATA_BYTES`, 256 KiB) is core's (`EventLimits`,
 * checked by the Publisher): a 413 too, in the body the publish endpoint declares.
 */
import { HttpApiBuilder, HttpApp, HttpServerError, HttpServerRequest, HttpServerResponse, UrlParams } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Context, Data, Effect, Either, Layer } from "effect"
import type { FrameworkFailure } from "./FrameworkFailure.js"

/** The request limits: the largest body. */
export interface Settings {
  /** Largest request body, in bytes. */
  readonly maxBodyBytes: number
}

/** A body may be 1 MiB. */
export const defaults: Settings = { maxBodyBytes: 1024 * 1024 }

/**
 * The request limits service, read by the edge before routing. Provided by `layer` (through
 * `Protection.layer`).
 */
export class RequestLimits extends Context.Tag("@herald/api/RequestLimits")<RequestLimits, Settings>() {}

/** Provides `RequestLimits` with these settings. */
export const layer = (settings: Settings): Layer.Layer<RequestLimits> => Layer.succeed(RequestLimits, settings)

/** A refusal of the request for its size or content type; `ErrorMapping` renders it. */
export class RequestLimitError extends Data.TaggedError("RequestLimitError")<{
  readonly failure: FrameworkFailure
}> {}

/**
 * Whether a `Content-Type` is JSON as the framework reads bodies: one that
 * mentions `application/json` (`application/json; charset=utf-8` included).
 */
export const isJson = (contentType: string): boolean => contentType.toLowerCase().includes("application/json")

const METHODS_WITH_BODIES = new Set(["POST", "PUT", "PATCH"])

/** Whether the request has a body: a non-zero `Content-Length`, or a chunked one. */
const hasBody = (headers: Readonly<Record<string, string | undefined>>): boolean => {
  const length = headers["content-length"]
  if (length !== undefined) return Number(length) > 0
  return headers["transfer-encoding"] !== undefined
}

const refuse = (failure: FrameworkFailure) => Effect.die(new RequestLimitError({ failure }))

type Body = Either.Either<Buffer, "TooLarge" | Error>

/**
 * Reads the Node request's body once, counting bytes; past `maxBytes` it stops
 * reading (the connection is closed after the answer) and gives `TooLarge`.
 */
const readBounded = (source: NodeJS.ReadableStream, maxBytes: number): Promise<Body> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    let bytes = 0
    const done = (body: Body) => {
      source.off("data", onData)
      source.off("end", onEnd)
      source.off("error", onError)
      resolve(body)
    }
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk
      bytes += buffer.length
      if (bytes > maxBytes) {
        source.pause()
        done(Either.left("TooLarge"))
      } else chunks.push(buffer)
    }
    const onEnd = () => done(Either.right(Buffer.concat(chunks)))
    const onError = (error: Error) => done(Either.left(error))
    source.on("data", onData)
    source.once("end", onEnd)
    source.once("error", onError)
  })

/** How a request's body reads, each way the platform reads one. */
export interface BodyReaders {
  readonly text: Effect.Effect<string, HttpServerError.RequestError>
  readonly json: Effect.Effect<unknown, HttpServerError.RequestError>
  readonly arrayBuffer: Effect.Effect<ArrayBuffer, HttpServerError.RequestError>
  readonly urlParamsBody: Effect.Effect<UrlParams.UrlParams, HttpServerError.RequestError>
}

/**
 * The request, with its body read by `readers` instead of its own; everything
 * else is the request's own. A request made from it by `modify` (other headers)
 * keeps the readers: its own would read the body afresh, or not at all.
 */
export const withBodyReaders = (
  request: HttpServerRequest.HttpServerRequest,
  readers: BodyReaders
): HttpServerRequest.HttpServerRequest => {
  const overrides: Record<PropertyKey, unknown> = {
    ...readers,
    modify: (options: Parameters<HttpServerRequest.HttpServerRequest["modify"]>[0]) =>
      withBodyReaders(request.modify(options), readers)
  }
  return new Proxy(request, {
    get: (target, property) => property in overrides ? overrides[property] : Reflect.get(target, property, target)
  })
}

/** The request, with its body read by `readBounded` (once, however many readers ask: `Idempotency` and the handler both do). */
const withBoundedBody = (
  request: HttpServerRequest.HttpServerRequest,
  maxBytes: number,
  tooLarge: FrameworkFailure
): HttpServerRequest.HttpServerRequest => {
  let body: Promise<Body> | undefined
  const decodeError = (cause: unknown) => new HttpServerError.RequestError({ request, reason: "Decode", cause })
  const bytes = Effect.flatMap(
    Effect.promise(() => body ??= readBounded(NodeHttpServerRequest.toIncomingMessage(request), maxBytes)),
    Either.match({
      onRight: (buffer) => Effect.succeed(buffer),
      onLeft: (error) =>
        error === "TooLarge"
          ? HttpApp.appendPreResponseHandler((_request, response) =>
            Effect.succeed(HttpServerResponse.setHeader(response, "connection", "close"))
          ).pipe(Effect.zipRight(refuse(tooLarge)))
          : Effect.fail(decodeError(error))
    })
  )
  const text = Effect.map(bytes, (buffer) => buffer.toString("utf8"))
  // Parsed once, however many readers ask (a batch's `RequestCost`, then the handler's decoder).
  let parsed: { readonly value: unknown } | undefined
  return withBodyReaders(request, {
    text,
    json: Effect.flatMap(text, (text) =>
      parsed !== undefined ? Effect.succeed(parsed.value) : Effect.try({
        try: () => (parsed = { value: text === "" ? null : JSON.parse(text) as unknown }).value,
        catch: decodeError
      })),
    // Buffer.concat allocates a plain ArrayBuffer, never a shared one.
    arrayBuffer: Effect.map(bytes, (buffer) => buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer),
    urlParamsBody: Effect.flatMap(text, (text) =>
      Effect.try({ try: () => UrlParams.fromInput(new URLSearchParams(text)), catch: decodeError }))
  })
}

/** The checks, around the app. */
export const make = Effect.map(RequestLimits, (limits) => {
  const tooLarge: FrameworkFailure = { _tag: "PayloadTooLarge", limitBytes: limits.maxBodyBytes }
  return (app: HttpApp.Default): HttpApp.Default =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const length = request.headers["content-length"]
      if (length !== undefined && Number(length) > limits.maxBodyBytes) return yield* refuse(tooLarge)
      const contentType = request.headers["content-type"]
      if (
        METHODS_WITH_BODIES.has(request.method) && contentType !== undefined && !isJson(contentType) &&
        hasBody(request.headers)
      ) {
        return yield* refuse({ _tag: "UnsupportedMediaType", contentType })
      }
      // A body with a Content-Length cannot outgrow it (Node's parser holds it to
      // it); only a chunked one needs counting as it is read.
      if (length !== undefined || request.headers["transfer-encoding"] === undefined) return yield* app
      return yield* Effect.provideService(
        app,
        HttpServerRequest.HttpServerRequest,
        withBoundedBody(request, limits.maxBodyBytes, tooLarge)
      )
    })
})

/** The checks as an API-level middleware, inside `ErrorMapping`'s (which renders its refusals) and outside `Idempotency`'s. */
export const middleware = HttpApiBuilder.middleware(make)
