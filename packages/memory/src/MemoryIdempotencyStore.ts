/**
 * IdempotencyStore in memory: one record per scope key, a reservation or a
 * stored response, each with its expiry time. Every operation is one
 * synchronous step, so of concurrent `begin`s exactly one reserves. Expired
 * records read as absent and are swept out (see ExpiringMap).
 */
import { randomUUID } from "node:crypto"
import { Clock, Effect, Layer } from "effect"
import { IdempotencyStore } from "@herald/core"
import * as ExpiringMap from "./internal/ExpiringMap.js"

type Entry =
  | { readonly state: "reserved"; readonly fingerprint: string; readonly token: string; readonly expiresAt: number }
  | {
    readonly state: "completed"
    readonly fingerprint: string
    readonly response: IdempotencyStore.StoredResponse
    readonly expiresAt: number
  }

export interface MemoryIdempotencyStoreShape extends IdempotencyStore.IdempotencyStoreShape {
  /** How many records are held (for tests of the memory bound). */
  readonly records: Effect.Effect<number>
}

/**
 * A new, empty in-memory `IdempotencyStore`; for composing it yourself (tests, tools). Most callers
 * want `layer`.
 */
export const make: Effect.Effect<MemoryIdempotencyStoreShape> = Effect.sync(() => {
  const entries = ExpiringMap.make<Entry>()
  /** Runs `f` at the current time, after checking the TTL. */
  const at = <A>(ttlMs: number, f: (now: number, ttl: number) => A): Effect.Effect<A> =>
    Effect.zipWith(IdempotencyStore.ttlMillis(ttlMs), Clock.currentTimeMillis, (ttl, now) => f(now, ttl))

  return {
    begin: (scopeKey, fingerprint, reservationTtlMs) =>
      at(reservationTtlMs, (now, ttl): IdempotencyStore.BeginResult => {
        const entry = entries.get(scopeKey, now)
        if (entry === undefined) {
          const token = randomUUID()
          entries.set(scopeKey, { state: "reserved", fingerprint, token, expiresAt: now + ttl }, now)
          return { _tag: "Reserved", token }
        }
        if (entry.fingerprint !== fingerprint) return { _tag: "Mismatch" }
        return entry.state === "completed" ? { _tag: "Completed", response: entry.response } : { _tag: "InProgress" }
      }),
    complete: (scopeKey, token, fingerprint, response, ttlMs) =>
      at(ttlMs, (now, ttl) => {
        const entry = entries.get(scopeKey, now)
        if (entry !== undefined && !(entry.state === "reserved" && entry.token === token)) return false
        entries.set(scopeKey, { state: "completed", fingerprint, response, expiresAt: now + ttl }, now)
        return true
      }),
    release: (scopeKey, token) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const entry = entries.get(scopeKey, now)
        if (entry?.state === "reserved" && entry.token === token) entries.delete(scopeKey)
      }),
    records: Effect.sync(entries.size)
  }
})

/**
 * Provides `IdempotencyStore` in memory, empty at each build of the layer; `MemoryLayer.layer`
 * includes it.
 */
export const layer: Layer.Layer<IdempotencyStore.IdempotencyStore> = Layer.effect(
  IdempotencyStore.IdempotencyStore,
  make
)
