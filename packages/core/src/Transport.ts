/**
 * Port: the HTTP POST of a delivery. An adapter must refuse to connect to an
 * address the `UrlPolicy` forbids, checking the address it actually connects to.
 */
import { Context, Data, type Effect } from "effect"
import type { FailureKind } from "./Attempt.js"

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

export interface DeliveryResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** At most `maxResponseBodyBytes` of the body, decoded as UTF-8. */
  readonly body: string
}

export class TransportError extends Data.TaggedError("TransportError")<{
  readonly kind: Exclude<FailureKind, "http_status">
  readonly message: string
}> {}

export interface TransportShape {
  readonly send: (request: DeliveryRequest) => Effect.Effect<DeliveryResponse, TransportError>
}

export class Transport extends Context.Tag("@herald/core/Transport")<Transport, TransportShape>() {}

/** How much of a receiver's response body is kept in the attempt log. */
export const maxResponseBodyBytes = 4096
