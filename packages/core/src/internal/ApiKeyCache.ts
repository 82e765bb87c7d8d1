/**
 * The per-process cache of found API keys, by hash, that spares
 * `ApiKeys.authenticate` a store read per request.
 *
 * It is safe only while revocations are heard (`KeyRevocations`): it caches
 * nothing until its subscription is live, and forgets everything when the
 * subscription drops, so a revoke published during an outage is never
 * answered from a copy taken before it. Unknown keys are never cached (a
 * guessed key must not fill it, and a key issued later must be found). Each
 * entry also ends after `TTL_MS`, a backstop should a revocation be lost
 * without the subscription noticing.
 *
 * A read of the store that started before a revocation may finish after it
 * with the old key: `generation` counts revocations, drops and restorations,
 * and a key read under an older generation is not cached.
 */
import type { ApiKey } from "../ApiKeyStore.js"
import * as BoundedMap from "./BoundedMap.js"
import type { RevocationListener } from "../KeyRevocations.js"

/** How long a cached key is served without reading the store again. */
export const TTL_MS = 60_000

/** How many keys a process keeps: far more than a deployment's active keys and sessions. */
export const CAPACITY = 10_000

interface Entry {
  readonly key: ApiKey
  readonly until: number
}

/** The cache, and the listener that keeps it honest (pass it to `KeyRevocations.subscribe`). */
export interface ApiKeyCache extends RevocationListener {
  /** The cached key with this hash, unless absent or past its time limit. */
  readonly get: (hash: string, now: number) => ApiKey | undefined
  /** The generation to pass to `set` for a store read starting now. */
  readonly generation: () => number
  /** Caches a key read from the store, unless not live or a revocation or drop came since `readAt`. */
  readonly set: (key: ApiKey, now: number, readAt: number) => void
}

/** A new cache, not live until its subscription says so. */
export const make = (options?: { readonly ttlMs?: number; readonly capacity?: number }): ApiKeyCache => {
  const ttlMs = options?.ttlMs ?? TTL_MS
  const capacity = options?.capacity ?? CAPACITY
  let entries = BoundedMap.make<Entry>(capacity)
  let live = false
  let generation = 0
  return {
    get: (hash, now) => {
      const entry = entries.get(hash)
      if (entry === undefined) return undefined
      if (now < entry.until) return entry.key
      entries.delete(hash)
      return undefined
    },
    generation: () => generation,
    set: (key, now, readAt) => {
      if (live && readAt === generation) entries.set(key.hash, { key, until: now + ttlMs })
    },
    revoked: (hash) => {
      generation++
      entries.delete(hash)
    },
    live: () => {
      // A read begun while not live may have missed a revocation: it must not be cached now.
      generation++
      live = true
    },
    lost: () => {
      generation++
      live = false
      entries = BoundedMap.make<Entry>(capacity)
    }
  }
}
