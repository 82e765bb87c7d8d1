/**
 * A map that forgets its least recently used entry past a capacity: the
 * per-process caches of teamspaces' catalogs and of compiled schemas, bounded
 * however many teamspaces and types there are.
 */

/** A bounded map: `get` counts as a use; `set` past the capacity forgets the least recently used entry. */
export interface BoundedMap<V> {
  readonly get: (key: string) => V | undefined
  readonly set: (key: string, value: V) => void
  readonly delete: (key: string) => void
}

/** A new, empty bounded map of at most `capacity` entries. */
export const make = <V>(capacity: number): BoundedMap<V> => {
  // A Map iterates in insertion order: a use re-inserts, so the first key is the least recently used.
  const map = new Map<string, V>()
  return {
    get: (key) => {
      const value = map.get(key)
      if (value !== undefined) {
        map.delete(key)
        map.set(key, value)
      }
      return value
    },
    set: (key, value) => {
      map.delete(key)
      map.set(key, value)
      if (map.size > capacity) map.delete(map.keys().next().value!)
    },
    delete: (key) => void map.delete(key)
  }
}
