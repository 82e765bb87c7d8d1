/**
 * Binary search over arrays kept in ascending order. Herald's ids are ULIDs
 * (time first, Crockford base32), so plain string order is creation order and a
 * page or a cursor is a slice found in O(log n) instead of a scan.
 */

/** The first index whose element is >= `value` (or `array.length`). */
export const lowerBound = <A extends string>(array: ReadonlyArray<A>, value: A): number => {
  let low = 0
  let high = array.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (array[mid]! < value) low = mid + 1
    else high = mid
  }
  return low
}

/** The first index whose element is > `value` (or `array.length`). */
export const upperBound = <A extends string>(array: ReadonlyArray<A>, value: A): number => {
  let low = 0
  let high = array.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (array[mid]! <= value) low = mid + 1
    else high = mid
  }
  return low
}

/**
 * Inserts `value` keeping the order; a no-op when it is already present. New ids
 * are usually the greatest, so this is mostly a push.
 */
export const insert = <A extends string>(array: Array<A>, value: A): void => {
  const last = array[array.length - 1]
  if (last === undefined || last < value) {
    array.push(value)
    return
  }
  const index = lowerBound(array, value)
  if (array[index] !== value) array.splice(index, 0, value)
}

/** Removes `value` if present; true when it was. */
export const remove = <A extends string>(array: Array<A>, value: A): boolean => {
  const index = lowerBound(array, value)
  if (array[index] !== value) return false
  array.splice(index, 1)
  return true
}

/**
 * The elements strictly between `after` and `before` (either may be absent), in
 * `order`, at most `limit` of them: an asc page starts just above `after`, a desc
 * page just below `before`.
 */
export const window = <A extends string>(
  array: ReadonlyArray<A>,
  options: {
    readonly after?: A | undefined
    readonly before?: A | undefined
    readonly order: "asc" | "desc"
    readonly limit: number
  }
): Array<A> => {
  const start = options.after === undefined ? 0 : upperBound(array, options.after)
  const end = options.before === undefined ? array.length : lowerBound(array, options.before)
  const limit = Math.max(0, Math.floor(options.limit))
  if (start >= end || limit === 0) return []
  return options.order === "asc"
    ? array.slice(start, Math.min(end, start + limit))
    : array.slice(Math.max(start, end - limit), end).reverse()
}
