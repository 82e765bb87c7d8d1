/**
 * Decoded records kept by the raw text they were decoded from. A hot record (the
 * API key of every request, say) is still read from Redis each time, so a change
 * or a removal is seen at once, but it is decoded again only when its text
 * changed. Bounded: past `capacity` entries the least recently used is forgotten.
 */
import { Effect } from "effect"

export interface DecodeMemo<A> {
  /** The decoding of `raw`, read under `key`: the remembered one if `raw` is unchanged. */
  readonly decode: (key: string, raw: string) => Effect.Effect<A>
}

export const make = <A>(decode: (raw: string) => Effect.Effect<A>, capacity = 1_000): DecodeMemo<A> => {
  const entries = new Map<string, { readonly raw: string; readonly value: A }>()
  const remember = (key: string, raw: string, value: A) => {
    entries.delete(key)
    if (entries.size >= capacity) {
      // Maps iterate in insertion order, and a hit moves its entry to the end: the first is the least recent.
      const [oldest] = entries.entries().next().value!
      entries.delete(oldest)
    }
    entries.set(key, { raw, value })
  }
  return {
    decode: (key, raw) => {
      const entry = entries.get(key)
      if (entry !== undefined && entry.raw === raw) {
        entries.delete(key)
        entries.set(key, entry)
        return Effect.succeed(entry.value)
      }
      return Effect.tap(decode(raw), (value) => remember(key, raw, value))
    }
  }
}
