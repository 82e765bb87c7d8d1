/**
 * Port: responses kept per idempotency key, so a client's retry of a POST
 * replays the first response instead of running it twice.
 *
 * A request runs in three steps. `begin` atomically claims the key: exactly one
 * of any number of concurrent callers gets `Reserved` and runs the request; the
 * others see `InProgress` (answer 409, as Stripe does), the stored response
 * (`Completed`: replay it), or `Mismatch` when the key was used for a different
 * request. The owner then either `complete`s (the response is kept for its TTL,
 * 24 hours by default) or `release`s the key when the outcome should not be
 * replayed (a 5xx, a defect), so a retry runs afresh.
 *
 * A reservation has its own short TTL (a minute by default), so a process that
 * dies mid-request does not block the key until the response TTL runs out.
 * `Reserved` carries a token, and `complete`/`release` act only for the token
 * that holds the key: a request that outlived its reservation cannot release or
 * overwrite the reservation of the retry that took the key over.
 *
 * The caller builds both keys. `scopeKey` must include who is asking (the
 * teamspace), so two tenants' keys never meet; `fingerprint` is a hash of what
 * makes the request that request (method, path, body).
 *
 * Time: adapters take "now" from Effect's `Clock` and store expiry times with
 * the record, checking them on every call; the store's own TTL (e.g. Redis
 * PEXPIRE, set to the same duration) only reclaims memory. Tests can therefore
 * expire records with `TestClock`.
 */
import { Context, Effect, Schema } from "effect"

/** Keep a completed response this long (24 hours): what `Idempotency-Key` promises. */
export const defaultResponseTtlMs = 24 * 60 * 60 * 1000

/** Hold a reservation this long (1 minute) before a crashed owner's key is free again. */
export const defaultReservationTtlMs = 60 * 1000

/** What a replay sends back: the first response as the client saw it. */
export class StoredResponse extends Schema.Class<StoredResponse>("@herald/core/StoredResponse")({
  status: Schema.Int.pipe(Schema.between(100, 599)),
  /** The headers a replay must repeat (content type, location, ...), lower-case names. */
  headers: Schema.Record({ key: Schema.String, value: Schema.String }),
  body: Schema.String
}) {}

/**
 * What `IdempotencyStoreShape.begin` found: the key is now the caller's, another request holds it,
 * its response is stored, or it was used for a different request.
 */
export type BeginResult =
  /** The caller owns the key: run the request, then `complete` or `release` with this token. */
  | { readonly _tag: "Reserved"; readonly token: string }
  /** Another request with this key and fingerprint holds a live reservation. */
  | { readonly _tag: "InProgress" }
  /** The request already ran: replay its response. */
  | { readonly _tag: "Completed"; readonly response: StoredResponse }
  /** The key is in use (running or completed) for a request with another fingerprint. */
  | { readonly _tag: "Mismatch" }

/**
 * What an idempotency store adapter implements (`MemoryIdempotencyStore`, `RedisIdempotencyStore`):
 * `begin`, `complete` and `release`, as this module's header describes. Used by the HTTP edge's
 * `Idempotency-Key` handling.
 */
export interface IdempotencyStoreShape {
  /**
   * Claims `scopeKey` for the request `fingerprint` for `reservationTtlMs`, or
   * says why not (atomically: of concurrent callers at most one is `Reserved`).
   * An expired record (reservation or response) counts as absent.
   */
  readonly begin: (scopeKey: string, fingerprint: string, reservationTtlMs: number) => Effect.Effect<BeginResult>
  /**
   * Stores the response of the reserved request for `ttlMs`. Returns false, and
   * stores nothing, when `token` no longer holds the key because another live
   * reservation or response took it over after this reservation expired. A key
   * whose reservation expired untouched is still written: the request did run.
   */
  readonly complete: (
    scopeKey: string,
    token: string,
    fingerprint: string,
    response: StoredResponse,
    ttlMs: number
  ) => Effect.Effect<boolean>
  /** Frees the key if `token` still holds its reservation; otherwise does nothing. */
  readonly release: (scopeKey: string, token: string) => Effect.Effect<void>
}

/**
 * The idempotency store port. Provided by an adapter layer; used by `@herald/http`'s idempotency
 * middleware.
 */
export class IdempotencyStore extends Context.Tag("@herald/core/IdempotencyStore")<
  IdempotencyStore,
  IdempotencyStoreShape
>() {}

/**
 * A TTL as whole milliseconds (a store's expiry granularity), rounded up. Dies
 * unless it is positive and finite: a bad TTL is a configuration bug.
 */
export const ttlMillis = (ttlMs: number): Effect.Effect<number> =>
  Number.isFinite(ttlMs) && ttlMs > 0 ? Effect.succeed(Math.ceil(ttlMs)) : Effect.dieMessage(`invalid TTL: ${ttlMs} ms`)
