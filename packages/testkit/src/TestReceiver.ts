/**
 * A real HTTP receiver for tests: a node:http server on 127.0.0.1 and a free
 * port, which records every request and answers as scripted, including the
 * faults a delivery must survive (hanging, slow bodies, resets, redirects,
 * huge bodies). `make` is the Effect resource; `start` the same receiver for
 * async/await tests (end-to-end tests drive official SDKs).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { Data, Effect, type Scope } from "effect"

/** A request the receiver got, as it arrived. */
export interface ReceivedRequest {
  readonly method: string
  /** Path and query, as sent. */
  readonly path: string
  /** Names lower-cased; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>
  /** The raw body, decoded as UTF-8. */
  readonly body: string
  /** When its body had fully arrived (epoch ms). */
  readonly receivedAt: number
  /** Which TCP connection carried it: 1 for the first accepted since start or `clear`. */
  readonly connection: number
}

/** How the receiver answers one request: a reply, or a fault (hang, slow body, reset, huge body). */
export type ScriptedResponse =
  | {
    readonly _tag: "Reply"
    readonly status: number
    /** An array value sends the header once per element. */
    readonly headers?: Readonly<Record<string, string | ReadonlyArray<string>>>
    readonly body?: string
  }
  /** Never answers; the connection stays open until the client gives up or the receiver closes. */
  | { readonly _tag: "Hang" }
  /** Sends the status and headers at once, then one chunk every `intervalMs`. */
  | {
    readonly _tag: "SlowBody"
    readonly status: number
    readonly chunks: ReadonlyArray<string>
    readonly intervalMs: number
  }
  /** Aborts the connection with a TCP RST instead of answering. */
  | { readonly _tag: "Reset" }
  /** Streams `bytes` bytes of body (chunked, no content-length), as fast as the client reads. */
  | { readonly _tag: "HugeBody"; readonly status: number; readonly bytes: number }

/** Picks the answer to a request; `index` counts the requests that arrived before it since start or `clear`. */
export type Responder = (request: ReceivedRequest, index: number) => ScriptedResponse | Promise<ScriptedResponse>

/** How the receiver answers (`respond`). */
export interface Options {
  /** Default: every request gets 200 "ok". */
  readonly respond?: Responder
}

// -----------------------------------------------------------------------------
// scripted responses
// -----------------------------------------------------------------------------

/** Answer with this status, headers and body. */
export const reply = (
  status: number,
  options: { readonly headers?: Readonly<Record<string, string | ReadonlyArray<string>>>; readonly body?: string } = {}
): ScriptedResponse => ({ _tag: "Reply", status, ...options })

/** Never answer. */
export const hang: ScriptedResponse = { _tag: "Hang" }

/** Reset the connection instead of answering. */
export const reset: ScriptedResponse = { _tag: "Reset" }

/** Answer at once, then send the body one chunk per `intervalMs`. */
export const slowBody = (
  options: { readonly status?: number; readonly chunks: ReadonlyArray<string>; readonly intervalMs: number }
): ScriptedResponse => ({ _tag: "SlowBody", status: options.status ?? 200, chunks: options.chunks, intervalMs: options.intervalMs })

/** Answer with a body of `bytes` bytes (10 MiB by default). */
export const hugeBody = (bytes: number = 10 * 1024 * 1024, status: number = 200): ScriptedResponse => ({
  _tag: "HugeBody",
  status,
  bytes
})

/** Redirect to `location` (302 by default). */
export const redirect = (location: string, status: number = 302): ScriptedResponse =>
  reply(status, { headers: { location }, body: "" })

/** Answer 410 Gone (which disables the webhook). */
export const gone: ScriptedResponse = reply(410, { body: "gone" })

/** Answer 429 with this `Retry-After`. */
export const tooManyRequests = (retryAfterSeconds: number): ScriptedResponse =>
  reply(429, { headers: { "retry-after": String(retryAfterSeconds) }, body: "slow down" })

// -----------------------------------------------------------------------------
// responders
// -----------------------------------------------------------------------------

/** The same answer to every request. */
export const always = (response: ScriptedResponse): Responder => () => response

/** The n-th request gets the n-th answer; once they run out, the last one repeats. */
export const sequence = (responses: ReadonlyArray<ScriptedResponse>): Responder => {
  if (responses.length === 0) throw new Error("TestReceiver.sequence needs at least one response")
  return (_request, index) => responses[Math.min(index, responses.length - 1)]!
}

/** `statuses([500, 500, 200])`: two failures, then success for every later request. */
export const statuses = (codes: ReadonlyArray<number>): Responder => sequence(codes.map((status) => reply(status)))

const defaultResponder: Responder = always(reply(200, { body: "ok" }))

// -----------------------------------------------------------------------------
// the receiver, promise flavour
// -----------------------------------------------------------------------------

/** How long a wait for requests lasts unless told. */
export const defaultAwaitTimeoutMs = 10_000

/** Fewer requests than expected arrived in time. */
export class ReceiverTimeout extends Data.TaggedError("ReceiverTimeout")<{
  readonly message: string
  readonly expected: number
  readonly received: number
  readonly timeoutMs: number
}> {
  static of(expected: number, received: number, timeoutMs: number): ReceiverTimeout {
    const message = `TestReceiver: expected ${expected} request(s) within ${timeoutMs} ms, received ${received}`
    return new ReceiverTimeout({ message, expected, received, timeoutMs })
  }
}

/** The receiver for async/await tests: its URL, what it received, waits, and `close`. */
export interface RunningReceiver {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string
  readonly port: number
  readonly requests: () => ReadonlyArray<ReceivedRequest>
  /** TCP connections accepted since start or `clear`. */
  readonly connections: () => number
  /** Resolves with the requests once at least `count` have arrived; rejects with `ReceiverTimeout` after `timeoutMs` (default 10 s). */
  readonly awaitRequests: (count: number, timeoutMs?: number) => Promise<ReadonlyArray<ReceivedRequest>>
  /** Forgets the recorded requests and resets the request index and connection count. */
  readonly clear: () => void
  /** Changes how the following requests are answered. */
  readonly respondWith: (respond: Responder) => void
  /** Stops the server and drops every open connection (hanging ones included). */
  readonly close: () => Promise<void>
}

const flattenHeaders = (headers: IncomingMessage["headers"]): Record<string, string> => {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = typeof value === "string" ? value : value.join(", ")
  }
  return flat
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.once("error", reject)
  })

const hugeChunk = Buffer.alloc(64 * 1024, "x")

interface Opened {
  readonly running: RunningReceiver
  /** `awaitRequests` that can be called off, for the interruptible Effect flavour. */
  readonly waitFor: (count: number, timeoutMs: number, signal?: AbortSignal) => Promise<ReadonlyArray<ReceivedRequest>>
}

const open = async (options: Options): Promise<Opened> => {
  let respond = options.respond ?? defaultResponder
  let recorded: Array<ReceivedRequest> = []
  let arrived = 0
  let accepted = 0
  const connectionIds = new WeakMap<Socket, number>()
  const waiters = new Set<() => void>()
  const timers = new Set<NodeJS.Timeout>()
  let closed = false

  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      action()
    }, ms)
    timers.add(timer)
  }

  const perform = (response: ScriptedResponse, req: IncomingMessage, res: ServerResponse): void => {
    switch (response._tag) {
      case "Reply": {
        for (const [name, value] of Object.entries(response.headers ?? {})) {
          res.setHeader(name, typeof value === "string" ? value : [...value])
        }
        res.writeHead(response.status)
        res.end(response.body ?? "")
        return
      }
      case "Hang":
        return
      case "Reset": {
        if (!req.socket.destroyed) req.socket.resetAndDestroy()
        return
      }
      case "SlowBody": {
        res.writeHead(response.status, { "content-type": "text/plain" })
        res.flushHeaders()
        const next = (index: number) => {
          if (res.destroyed) return
          const chunk = response.chunks[index]
          if (chunk === undefined) return void res.end()
          res.write(chunk)
          later(response.intervalMs, () => next(index + 1))
        }
        later(response.intervalMs, () => next(0))
        return
      }
      case "HugeBody": {
        res.writeHead(response.status, { "content-type": "text/plain" })
        let sent = 0
        // Respects backpressure, so a client that stops reading stops the writing.
        const pump = () => {
          while (sent < response.bytes && !res.destroyed) {
            const size = Math.min(hugeChunk.length, response.bytes - sent)
            sent += size
            if (!res.write(hugeChunk.subarray(0, size))) return void res.once("drain", pump)
          }
          if (!res.destroyed) res.end()
        }
        pump()
        return
      }
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse, index: number, connection: number) => {
    const received: ReceivedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: flattenHeaders(req.headers),
      body: await readBody(req),
      receivedAt: Date.now(),
      connection
    }
    // Recorded before answering, so a hanging or reset request is still seen.
    recorded.push(received)
    for (const wake of waiters) wake()
    let response: ScriptedResponse
    try {
      response = await respond(received, index)
    } catch (error) {
      response = reply(500, { body: `TestReceiver responder failed: ${String(error)}` })
    }
    perform(response, req, res)
  }

  const server = createServer((req, res) => {
    // Taken on arrival, so the script sees requests in the order they came in.
    const index = arrived++
    handle(req, res, index, connectionIds.get(req.socket) ?? 0)
      // The client went away mid-request, or the answer could not be written: nothing left to do.
      .catch(() => req.socket.destroy())
  })
  server.on("connection", (socket: Socket) => {
    connectionIds.set(socket, ++accepted)
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  const waitFor = (count: number, timeoutMs: number, signal?: AbortSignal) =>
    new Promise<ReadonlyArray<ReceivedRequest>>((resolve, reject) => {
      const check = () => {
        if (recorded.length < count) return
        finish()
        resolve([...recorded])
      }
      const timer = setTimeout(() => {
        finish()
        reject(ReceiverTimeout.of(count, recorded.length, timeoutMs))
      }, timeoutMs)
      const abandon = () => {
        finish()
        reject(signal?.reason)
      }
      const finish = () => {
        clearTimeout(timer)
        waiters.delete(check)
        signal?.removeEventListener("abort", abandon)
      }
      waiters.add(check)
      signal?.addEventListener("abort", abandon)
      check()
    })

  const close = () => {
    if (closed) return Promise.resolve()
    closed = true
    for (const timer of timers) clearTimeout(timer)
    timers.clear()
    return new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  const running: RunningReceiver = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: () => [...recorded],
    connections: () => accepted,
    awaitRequests: (count, timeoutMs = defaultAwaitTimeoutMs) => waitFor(count, timeoutMs),
    clear: () => {
      recorded = []
      arrived = 0
      accepted = 0
    },
    respondWith: (next) => {
      respond = next
    },
    close
  }
  return { running, waitFor }
}

/** Starts a receiver for async/await tests; close it when done. */
export const start = async (options: Options = {}): Promise<RunningReceiver> => (await open(options)).running

// -----------------------------------------------------------------------------
// the receiver, Effect flavour
// -----------------------------------------------------------------------------

/**
 * The receiver as an Effect resource (`make`): its URL, what it received, and waits that fail with
 * `ReceiverTimeout`.
 */
export interface TestReceiver {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string
  readonly port: number
  readonly requests: Effect.Effect<ReadonlyArray<ReceivedRequest>>
  /** TCP connections accepted since start or `clear`. */
  readonly connections: Effect.Effect<number>
  /** Waits until at least `count` requests have arrived; fails with `ReceiverTimeout` after `timeoutMs` (default 10 s). */
  readonly awaitRequests: (count: number, timeoutMs?: number) => Effect.Effect<ReadonlyArray<ReceivedRequest>, ReceiverTimeout>
  /** Forgets the recorded requests and resets the request index and connection count. */
  readonly clear: Effect.Effect<void>
  /** Changes how the following requests are answered. */
  readonly respondWith: (respond: Responder) => Effect.Effect<void>
}

/** A receiver that lives as long as the scope. Its waits use real time, so run it under `it.live`/`it.scopedLive`. */
export const make = (options: Options = {}): Effect.Effect<TestReceiver, never, Scope.Scope> =>
  Effect.acquireRelease(
    // Failing to bind a port on loopback is a broken test machine, not a test outcome.
    Effect.promise(() => open(options)),
    ({ running }) => Effect.promise(() => running.close())
  ).pipe(Effect.map(({ running, waitFor }): TestReceiver => ({
    url: running.url,
    port: running.port,
    requests: Effect.sync(running.requests),
    connections: Effect.sync(running.connections),
    awaitRequests: (count, timeoutMs = defaultAwaitTimeoutMs) =>
      Effect.tryPromise({
        try: (signal) => waitFor(count, timeoutMs, signal),
        catch: (error) =>
          error instanceof ReceiverTimeout ? error : ReceiverTimeout.of(count, running.requests().length, timeoutMs)
      }),
    clear: Effect.sync(running.clear),
    respondWith: (respond) => Effect.sync(() => running.respondWith(respond))
  })))
