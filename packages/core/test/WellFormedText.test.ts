import { describe, expect, it } from "vitest"
import { WellFormedText } from "@herald/core"

describe("WellFormedText", () => {
  it.each([
    ["", true],
    ["plain", true],
    ["e\u0301 \u202e \ufeff \uffff", true],
    ["\ud83d\udca5 a pair", true],
    ["\ud800", false],
    ["a\udfff", false],
    ["\udc00\ud800", false], // a pair the wrong way round
    ["\ud83d\ud83d\udca5", false], // a high surrogate before a pair
    ["\ud83d\udca5\udca5", false] // a low surrogate after a pair
  ])("isWellFormed(%j) is %s", (text, expected) => {
    expect(WellFormedText.isWellFormed(text)).toBe(expected)
  })

  it("finds the first ill-formed string or key, in document order, with its path", () => {
    expect(WellFormedText.find({ a: ["ok", { b: "\ud83d\udca5" }], n: 1, t: true, z: null })).toBeUndefined()
    expect(WellFormedText.find({ a: ["ok", { b: "x\udc00" }], c: "\ud800" })).toEqual({
      path: ["a", 1, "b"],
      message: WellFormedText.message
    })
    expect(WellFormedText.find({ a: { "\ud800": 1 } }, ["data"])).toEqual({ path: ["data", "a"], message: WellFormedText.keyMessage })
    expect(WellFormedText.find("\udfff", ["url"])?.path).toEqual(["url"])
    // Siblings walked before the bad string leave nothing behind in its path.
    expect(WellFormedText.find({ a: [{ b: "ok" }, ["ok"]], c: { d: ["ok", "\ud800"] } }, ["data"])?.path).toEqual([
      "data",
      "c",
      "d",
      1
    ])
  })

  it("check names the field as the API's messages do (data.a[1].b, not data.a.1.b)", () => {
    const error = WellFormedText.check({ a: ["ok", { b: "x\udc00" }] }, ["data"])
    expect(error?.issues[0]?.path).toEqual(["data", "a", 1, "b"])
    expect(error?.message).toBe(`data.a[1].b ${WellFormedText.message}`)
    expect(WellFormedText.check({ "a b": { "\ud800": 1 } }, ["metadata"])?.message).toBe(
      `metadata["a b"] ${WellFormedText.keyMessage}`
    )
  })

  it("check names the path in its message, without echoing the bad text", () => {
    const error = WellFormedText.check({ k: "a\ud800" }, ["metadata"])
    expect(error?.issues[0]?.path).toEqual(["metadata", "k"])
    expect(error?.message).toBe(`metadata.k ${WellFormedText.message}`)
    expect(WellFormedText.isWellFormed(error?.message ?? "")).toBe(true)
    expect(WellFormedText.check({ k: "fine" }, ["metadata"])).toBeUndefined()
  })
})
