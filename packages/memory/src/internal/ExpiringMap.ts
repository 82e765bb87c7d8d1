/**
 * A Map whose values carry their own expiry time (epoch ms, as the caller's
 * clock tells it). An expired value reads as absent, and a sweep drops expired
 * values after as many writes as the previous sweep left entries (at least
 * 1,000). A sweep walks at most twice that many entries, so it costs O(1) per
 * write amortised, and the map holds at most the entries live at the last sweep
 * plus the writes since: about twice what is live, even for keys never read again.
 */

export interface Expiring {
  /** The value is gone from this time on. */
  readonly expiresAt: number
}

export interface ExpiringMap<V extends Expiring> {
  /** The live value under `key`, if any (an expired one is dropped). */
  readonly get: (key: string, now: number) => V | undefined
  readonly set: (key: string, value: V, now: number) => void
  readonly delete: (key: string) => void
  /** How many entries are held, expired ones not yet swept included. */
  readonly size: () => number
}

/** Below this many entries a sweep is not worth its walk. */
const minimumSweepInterval = 1_000

export const make = <V extends Expiring>(): ExpiringMap<V> => {
  const entries = new Map<string, V>()
  let writesSinceSweep = 0
  // Fixed between sweeps: were it the current size, a stream of new keys would
  // grow the size as fast as the writes and never trigger a sweep.
  let sweepAfter = minimumSweepInterval
  const sweep = (now: number) => {
    for (const [key, value] of entries) {
      if (value.expiresAt <= now) entries.delete(key)
    }
    writesSinceSweep = 0
    sweepAfter = Math.max(minimumSweepInterval, entries.size)
  }
  return {
    get: (key, now) => {
      const value = entries.get(key)
      if (value === undefined || value.expiresAt > now) return value
      entries.delete(key)
      return undefined
    },
    set: (key, value, now) => {
      entries.set(key, value)
      if (++writesSinceSweep >= sweepAfter) sweep(now)
    },
    delete: (key) => void entries.delete(key),
    size: () => entries.size
  }
}
