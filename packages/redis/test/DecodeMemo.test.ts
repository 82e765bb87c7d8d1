// DecodeMemo: a record is decoded again only when its text changed; the memo is bounded, least recently used out.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as DecodeMemo from "../src/internal/DecodeMemo.js"

const counting = () => {
  const decoded: Array<string> = []
  const memo = DecodeMemo.make((raw: string) => Effect.sync(() => (decoded.push(raw), { raw })), 2)
  return { decoded, memo }
}

describe("DecodeMemo", () => {
  it.effect("decodes a key's text once, and again when the text changes", () =>
    Effect.gen(function*() {
      const { decoded, memo } = counting()
      const first = yield* memo.decode("k", "a")
      expect(yield* memo.decode("k", "a")).toBe(first)
      expect(yield* memo.decode("k", "b")).toEqual({ raw: "b" })
      expect(yield* memo.decode("k", "a")).toEqual({ raw: "a" })
      expect(decoded).toEqual(["a", "b", "a"])
    }))

  it.effect("keeps at most `capacity` keys, forgetting the least recently used", () =>
    Effect.gen(function*() {
      const { decoded, memo } = counting()
      yield* memo.decode("k1", "x")
      yield* memo.decode("k2", "x")
      yield* memo.decode("k3", "x")
      yield* memo.decode("k3", "x")
      yield* memo.decode("k2", "x")
      yield* memo.decode("k1", "x")
      expect(decoded).toEqual(["x", "x", "x", "x"])
    }))

  it.effect("a hit keeps a key: the one not used since is forgotten instead", () =>
    Effect.gen(function*() {
      const { decoded, memo } = counting()
      yield* memo.decode("hot", "h")
      yield* memo.decode("cold", "c")
      yield* memo.decode("hot", "h")
      yield* memo.decode("new", "n")
      yield* memo.decode("hot", "h")
      // Insertion order would have dropped "hot" (the first in) and decoded it again.
      expect(decoded).toEqual(["h", "c", "n"])
    }))
})
