/**
 * Port: the HTTP POST of a delivery. An adapter must refuse to connect to an
 * address the `UrlPolicy` forbids, checking the address it actually connects to.
 */
import { Context, Data, type Effect } from "effect"
import type { FailureKind } from "./Attempt.js"

/** One delivery's HTTP POST: the URL, headers (signatures included), body and timeouts. */
export interface DeliveryRequest {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** Total time for the attempt: connect, send, and the whole (kept) response. */
  readonly timeoutMs: number
  /**
   * Time allowed to open the connection (TCP and TLS), counted within `timeoutMs`.
   * Reaching it fails the attempt with kind "timeout". Absent: the adapter's own default.
   */
  readonly connectTimeoutMs?: number | undefined
}

/** The receiver's answer, whatever its status: the `Dispatcher` decides what counts as success. */
export interface DeliveryResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** At most `maxResponseBodyBytes` of the body, decoded as UTF-8. */
  readonly body: string
}

/**
 * A delivery that got no usable response: timed out, could not connect, resolve or shake hands, was
 * blocked by the URL policy, or another failure (`kind`). Logged as the attempt's failure and
 * retried.
 */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly kind: Exclude<FailureKind, "http_status">
  readonly message: string
}> {}

/**
 * What a transport adapter implements (`@herald/undici`): send one POST, failing with
 * `TransportError` when no response came.
 */
export interface TransportShape {
  readonly send: (request: DeliveryRequest) => Effect.Effect<DeliveryResponse, TransportError>
}

/**
 * The transport port: how the `Dispatcher` sends a delivery. Provided by `UndiciTransport.layer`
 * (or a test double).
 */
export class Transport extends Context.Tag("@herald/core/Transport")<Transport, TransportShape>() {}

/** How much of a receiver's response body is kept in the attempt log. */
export const maxResponseBodyBytes = 4096
