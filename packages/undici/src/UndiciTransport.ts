/**
 * The production `Transport`: one undici `Agent` that keeps a pool of
 * keep-alive connections per receiver origin, and that connects only to
 * addresses the `UrlPolicy` allows, checking the very address it connects to.
 *
 * SSRF pinning: the agent's connector is given our own `lookup`, so a host name
 * is resolved exactly once per connection, every address of the answer is
 * checked, and the socket connects to the checked addresses; there is no second
 * resolution an attacker's DNS could answer differently (DNS rebinding). A host
 * whose answer contains any forbidden address is refused outright, rather than
 * connecting to its allowed addresses only: such an answer is more likely an
 * attack than a misconfiguration, and happy-eyeballs could pick any of them.
 * IP-literal hosts never reach `lookup` (node connects to them directly), so
 * they are checked in `send` before the request is made.
 *
 * Connect timeout: undici sets it per `Agent`, not per request, so there is one
 * agent (one connection pool) per distinct connect timeout, made on first use
 * and closed with the layer. Deliveries normally all carry the same
 * `HERALD_DELIVERY_CONNECT_TIMEOUT`, so in practice there is a single agent.
 * Reaching it fails the attempt with kind "timeout".
 */
import { ADDRCONFIG, type LookupAddress, type LookupOptions } from "node:dns"
import { EventEmitter } from "node:events"
import { lookup as dnsLookup } from "node:dns/promises"
import { isIP, type LookupFunction } from "node:net"
import { Transport, UrlPolicy } from "@herald/core"
import { Effect, Layer, type Scope } from "effect"
import { Agent, type Dispatcher, request } from "undici"

/** One address a host name resolves to, and its IP family (4 or 6). */
export interface ResolvedAddress {
  readonly address: string
  readonly family: number
}

/** Resolves a host name to every address it has (like `dns.lookup` with `all: true`). */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<ResolvedAddress>>

/** Connection pooling, the default connect timeout, keep-alive, and the resolver (tests substitute one). */
export interface Options {
  /** Keep-alive connections per origin. Default 64. */
  readonly connections?: number
  /**
   * Time allowed to open a TCP/TLS connection for a request that carries no
   * `connectTimeoutMs` of its own. Default 10 s. Either way a request's own
   * `timeoutMs` bounds its wait further.
   */
  readonly connectTimeoutMs?: number
  /** How long an idle connection is kept for reuse. Default 4 s; a receiver's Keep-Alive hint can lower it. */
  readonly keepAliveTimeoutMs?: number
  /** Host name resolution; every address it returns is checked. Default: the system resolver. */
  readonly lookup?: Resolver
}

/** Keep-alive connections per receiver origin, by default. */
export const defaultConnections = 64
/**
 * The connect timeout of a request that sets none, by default (Herald's deliveries set
 * `HERALD_DELIVERY_CONNECT_TIMEOUT`).
 */
export const defaultConnectTimeoutMs = 10_000

/**
 * Past the kept prefix, up to this many bytes are read and discarded so that a
 * slightly oversized response still leaves its connection reusable; a bigger
 * one has its connection closed instead of being read to the end.
 */
const drainLimitBytes = 64 * 1024

/** The connector's refusal; carried through undici to be told apart from network errors. */
class AddressBlocked extends Error {
  readonly code = "ERR_HERALD_ADDRESS_BLOCKED"
  constructor(readonly address: string) {
    super(`refused to connect to ${address}: not an allowed address`)
    this.name = "AddressBlocked"
  }
}

const dnsError = (code: string, message: string): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code })

const systemResolver: Resolver = (hostname) =>
  // The hints mirror what `net.connect` would ask for when resolving itself.
  dnsLookup(hostname, { all: true, ...(process.platform === "win32" ? {} : { hints: ADDRCONFIG }) })

const wantedFamily = (family: LookupOptions["family"]): 0 | 4 | 6 =>
  family === 4 || family === "IPv4" ? 4 : family === 6 || family === "IPv6" ? 6 : 0

/** A `net` lookup that resolves once, checks every answer, and hands back only checked addresses. */
const pinnedLookup = (resolve: Resolver, policy: UrlPolicy.UrlPolicyShape): LookupFunction =>
  (hostname, options, callback) => {
    const answered = (answers: ReadonlyArray<ResolvedAddress>) => {
      const addresses: Array<LookupAddress> = []
      for (const { address } of answers) {
        // Trust the address, not the resolver's idea of its family.
        const family = isIP(address)
        if (family === 0) return callback(dnsError("ERR_INVALID_IP_ADDRESS", `resolver returned an invalid address for ${hostname}`), "")
        if (!policy.allowsAddress(address)) return callback(new AddressBlocked(address), "")
        addresses.push({ address, family })
      }
      const wanted = wantedFamily(options.family)
      const usable = wanted === 0 ? addresses : addresses.filter((entry) => entry.family === wanted)
      const first = usable[0]
      // `net` assumes at least one address and would throw on an empty list.
      if (first === undefined) return callback(dnsError("ENOTFOUND", `getaddrinfo ENOTFOUND ${hostname}`), "")
      if (options.all === true) return callback(null, usable)
      return callback(null, first.address, first.family)
    }
    const failed = (error: unknown) =>
      callback(error instanceof Error ? error : dnsError("ENOTFOUND", `lookup of ${hostname} failed`), "")
    let answers: Promise<ReadonlyArray<ResolvedAddress>>
    try {
      answers = resolve(hostname)
    } catch (error) {
      return failed(error)
    }
    // Two-argument `then`: an exception thrown by `callback` must not call it a second time.
    answers.then(answered, failed)
  }

const timeoutCodes = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_ABORTED",
  "ETIMEDOUT",
  "ABORT_ERR"
])
const dnsCodes = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NODATA",
  "EAI_NONAME",
  "ENODATA",
  "ESERVFAIL",
  "ENOTIMP",
  "EREFUSED",
  "ERR_INVALID_IP_ADDRESS"
])
const tlsCodes = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "HOSTNAME_MISMATCH",
  "INVALID_CA",
  "INVALID_PURPOSE",
  "EPROTO"
])
const tlsPrefixes = ["ERR_TLS_", "ERR_SSL_", "CERT_", "UNABLE_TO_", "ERR_OSSL_"]
const connectionCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH"
])

const codeOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

/** The error, its causes and, for aggregate errors (happy-eyeballs), each attempt's error. */
const chainOf = (error: unknown): ReadonlyArray<unknown> => {
  const chain: Array<unknown> = []
  const visit = (current: unknown, depth: number) => {
    if (depth > 5 || current === undefined || current === null || chain.includes(current)) return
    chain.push(current)
    if (current instanceof AggregateError) for (const inner of current.errors) visit(inner, depth + 1)
    if (current instanceof Error) visit(current.cause, depth + 1)
  }
  visit(error, 0)
  return chain
}

type Kind = Transport.TransportError["kind"]

const kindOf = (chain: ReadonlyArray<unknown>): Kind => {
  const codes = chain.flatMap((error) => codeOf(error) ?? [])
  const names = chain.flatMap((error) => (error instanceof Error ? [error.name] : []))
  // Most specific first: a refusal or a timeout often surfaces as a closed socket too.
  if (chain.some((error) => error instanceof AddressBlocked)) return "blocked"
  if (codes.some((code) => timeoutCodes.has(code)) || names.includes("TimeoutError") || names.includes("AbortError")) {
    return "timeout"
  }
  if (codes.some((code) => dnsCodes.has(code))) return "dns"
  if (codes.some((code) => tlsCodes.has(code) || tlsPrefixes.some((prefix) => code.startsWith(prefix)))) return "tls"
  if (codes.some((code) => connectionCodes.has(code))) return "connection"
  return "other"
}

const maxMessageLength = 200

/**
 * The attempt log shows this message to the webhook's owner; request headers
 * carry signatures, so any header value that leaks into an error text is cut.
 */
const safeMessage = (text: string, headers: Readonly<Record<string, string>>): string => {
  let message = text
  for (const value of Object.values(headers)) {
    if (value.length >= 4) message = message.split(value).join("[redacted]")
  }
  return message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 1)}…` : message
}

/** OpenSSL's "…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:file:line:" reduced to its reason. */
const readable = (message: string): string => {
  const openssl = /:error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:]+):/.exec(message)
  return openssl?.[1] ?? message.split("\n", 1)[0] ?? message
}

const describe = (chain: ReadonlyArray<unknown>, kind: Kind, request: Transport.DeliveryRequest, timedOut: boolean): string => {
  if (kind === "timeout") {
    const connecting = !timedOut && chain.some((error) => codeOf(error) === "UND_ERR_CONNECT_TIMEOUT")
    return connecting && request.connectTimeoutMs !== undefined
      ? `no connection within ${request.connectTimeoutMs} ms`
      : `no complete response within ${request.timeoutMs} ms`
  }
  const blocked = chain.find((error) => error instanceof AddressBlocked)
  if (blocked !== undefined) return blocked.message
  // Prefer an error carrying a code: undici's wrappers say less than the socket error inside.
  const detailed = chain.filter((error): error is Error => error instanceof Error && error.message !== "")
  const error = detailed.find((candidate) => codeOf(candidate) !== undefined) ?? detailed[0]
  if (error === undefined) return `request failed (${kind})`
  const code = codeOf(error)
  const text = readable(error.message)
  return code === undefined || text.includes(code) ? text : `${code}: ${text}`
}

const toTransportError = (
  error: unknown,
  request: Transport.DeliveryRequest,
  timedOut: boolean
): Transport.TransportError => {
  const chain = chainOf(error)
  const kind = timedOut ? "timeout" : kindOf(chain)
  return new Transport.TransportError({
    kind,
    message: safeMessage(describe(chain, kind, request, timedOut), request.headers)
  })
}

const flattenHeaders = (
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
): Record<string, string> => {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = typeof value === "string" ? value : value.join(", ")
  }
  return flat
}

type ResponseBody = Dispatcher.ResponseData["body"]

/**
 * Keeps the first `limit` bytes. Past that the rest is handed to undici's
 * `dump`, which discards a little to save the connection and otherwise
 * destroys it, without this attempt waiting for it: a 10 MB answer is never
 * buffered nor read to its end.
 */
const readPrefix = (body: ResponseBody, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const stop = () => {
      body.off("data", onData)
      body.off("end", onEnd)
      body.off("error", onError)
    }
    const onData = (chunk: Buffer) => {
      const room = limit - size
      if (chunk.length < room) {
        chunks.push(chunk)
        size += chunk.length
        return
      }
      chunks.push(chunk.subarray(0, room))
      size += room
      stop()
      body.pause()
      body.dump({ limit: drainLimitBytes }).catch(() => {})
      resolve(Buffer.concat(chunks, size))
    }
    const onEnd = () => {
      stop()
      resolve(Buffer.concat(chunks, size))
    }
    const onError = (error: unknown) => {
      stop()
      reject(error)
    }
    body.on("data", onData).once("end", onEnd).once("error", onError)
  })

const decoder = new TextDecoder("utf-8", { fatal: false })

/**
 * A request's abort signal. undici accepts an `EventEmitter` with an `abort`
 * event, `aborted` and `reason` in place of an `AbortSignal`, and one costs a
 * small fraction of an `AbortController` (an `EventTarget`) to make.
 */
class RequestAbort extends EventEmitter {
  aborted = false
  reason: unknown = undefined

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.emit("abort")
  }
}

/** Timers and undici take whole milliseconds up to 2^31 - 1, and throw on anything else. */
const maxTimerMs = 2_147_483_647
const budgetOf = (timeoutMs: number): number =>
  Number.isFinite(timeoutMs) ? Math.min(Math.max(Math.ceil(timeoutMs), 1), maxTimerMs) : maxTimerMs

const blocked = (message: string) => Effect.fail(new Transport.TransportError({ kind: "blocked", message }))
const other = (message: string) => Effect.fail(new Transport.TransportError({ kind: "other", message }))

/**
 * Builds the transport in the caller's scope (its connection pools close with it); needs
 * `UrlPolicy`. Most callers want `layer`.
 */
export const make = (
  options: Options = {}
): Effect.Effect<Transport.TransportShape, never, Scope.Scope | UrlPolicy.UrlPolicy> =>
  Effect.gen(function*() {
    const policy = yield* UrlPolicy.UrlPolicy
    const lookup = pinnedLookup(options.lookup ?? systemResolver, policy)
    const makeAgent = (connectTimeoutMs: number) =>
      new Agent({
        connections: options.connections ?? defaultConnections,
        pipelining: 1,
        ...(options.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: options.keepAliveTimeoutMs }),
        connect: { timeout: connectTimeoutMs, lookup }
      })
    /** One agent per connect timeout (see the module comment); a handful at most in practice. */
    const agents = yield* Effect.acquireRelease(
      Effect.sync(() => new Map<number, Agent>()),
      // Graceful: requests still in flight are bounded by their own timeouts.
      (agents) => Effect.promise(() => Promise.all([...agents.values()].map((agent) => agent.close())))
    )
    const defaultConnect = budgetOf(options.connectTimeoutMs ?? defaultConnectTimeoutMs)
    const agentFor = (connectTimeoutMs: number | undefined): Agent => {
      const timeout = connectTimeoutMs === undefined ? defaultConnect : budgetOf(connectTimeoutMs)
      let agent = agents.get(timeout)
      if (agent === undefined) {
        agent = makeAgent(timeout)
        agents.set(timeout, agent)
      }
      return agent
    }

    const send = (delivery: Transport.DeliveryRequest): Effect.Effect<Transport.DeliveryResponse, Transport.TransportError> =>
      Effect.suspend(() => {
        let url: URL
        try {
          url = new URL(delivery.url)
        } catch {
          return other("invalid url")
        }
        if (url.protocol !== "http:" && url.protocol !== "https:") return other(`unsupported protocol ${url.protocol}`)
        const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
        if (isIP(host) !== 0 && !policy.allowsAddress(host)) {
          return blocked(new AddressBlocked(host).message)
        }
        const budgetMs = budgetOf(delivery.timeoutMs)
        // One abort signal and one cleared timer per request: `AbortSignal.timeout` leaves its
        // timer pending for the whole budget and `AbortSignal.any` tracks its sources through
        // weak references, both costly at thousands of deliveries a second.
        return Effect.async<Transport.DeliveryResponse, Transport.TransportError>((resume) => {
          const signal = new RequestAbort()
          let timedOut = false
          const timer = setTimeout(() => {
            timedOut = true
            signal.abort(new DOMException(`no complete response within ${budgetMs} ms`, "TimeoutError"))
          }, budgetMs)
          const exchange = async () => {
            const response = await request(url, {
              dispatcher: agentFor(delivery.connectTimeoutMs),
              method: "POST",
              headers: delivery.headers,
              body: delivery.body,
              signal,
              headersTimeout: budgetMs,
              bodyTimeout: budgetMs
            })
            const body = await readPrefix(response.body, Transport.maxResponseBodyBytes)
            return {
              status: response.statusCode,
              headers: flattenHeaders(response.headers),
              body: decoder.decode(body)
            }
          }
          exchange().then(
            (response) => {
              clearTimeout(timer)
              resume(Effect.succeed(response))
            },
            (error) => {
              clearTimeout(timer)
              resume(Effect.fail(toTransportError(error, delivery, timedOut)))
            }
          )
          // Interrupted (the worker shutting down): abort the request, and its timer with it.
          return Effect.sync(() => {
            clearTimeout(timer)
            signal.abort(new DOMException("the delivery was interrupted", "AbortError"))
          })
        })
      })

    return { send }
  })

/**
 * Provides Herald's `Transport` on undici: pooled keep-alive connections per origin, timeouts per
 * request, every resolved address checked against the `UrlPolicy` (which it needs:
 * `Herald.settingsLayer` provides it). Failures are `TransportError`s by kind (timeout, connection,
 * dns, tls, blocked); the pools close with the layer.
 */
export const layer = (options: Options = {}): Layer.Layer<Transport.Transport, never, UrlPolicy.UrlPolicy> =>
  Layer.scoped(Transport.Transport, make(options))
