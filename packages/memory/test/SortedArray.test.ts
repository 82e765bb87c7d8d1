// The page arithmetic every memory list relies on, against a naive model.
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as SortedArray from "../src/internal/SortedArray.js"

const model = (
  values: ReadonlyArray<string>,
  query: { after?: string | undefined; before?: string | undefined; order: "asc" | "desc"; limit: number }
) => {
  const inRange = values.filter((v) =>
    (query.after === undefined || v > query.after) && (query.before === undefined || v < query.before)
  )
  const ordered = query.order === "asc" ? inRange : [...inRange].reverse()
  return ordered.slice(0, query.limit)
}

const key = fc.stringMatching(/^[0-9A-F]{1,3}$/)

describe("SortedArray", () => {
  it("insert/remove keep a sorted set, and window matches filter-sort-slice", () =>
    fc.assert(
      fc.property(
        fc.array(key),
        fc.array(key),
        fc.option(key, { nil: undefined }),
        fc.option(key, { nil: undefined }),
        fc.constantFrom("asc" as const, "desc" as const),
        fc.integer({ min: 0, max: 12 }),
        (added, removed, after, before, order, limit) => {
          const array: Array<string> = []
          for (const value of added) SortedArray.insert(array, value)
          for (const value of removed) SortedArray.remove(array, value)
          const expected = [...new Set(added)].filter((v) => !removed.includes(v)).sort()
          expect(array).toEqual(expected)
          const query = { after, before, order, limit }
          expect(SortedArray.window(array, query)).toEqual(model(expected, query))
        }
      )
    ))
})
