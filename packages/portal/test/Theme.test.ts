import { describe, expect, it } from "vitest"
import { contrast, parseTheme, textOn, validBrand, validLogo } from "../src/site/Theme.js"

describe("parseTheme", () => {
  it("reads the meta tag's JSON", () => {
    expect(parseTheme('{"brand":"#0A7CFF","logo":"https://example.com/logo.png"}', "")).toEqual({
      brand: "#0a7cff",
      logo: "https://example.com/logo.png"
    })
  })

  it("is empty for an empty, malformed or non-object content", () => {
    expect(parseTheme("", "")).toEqual({})
    expect(parseTheme("{brand:", "")).toEqual({})
    expect(parseTheme('["#fff"]', "")).toEqual({})
    expect(parseTheme("null", "")).toEqual({})
  })

  it("lets the query string override it", () => {
    expect(parseTheme('{"brand":"#000","logo":"https://a.example/a.png"}', "?brand=%23fff&logo=https%3A%2F%2Fb.example%2Fb.png"))
      .toEqual({ brand: "#fff", logo: "https://b.example/b.png" })
  })

  it("ignores an invalid override, keeping the meta tag's value", () => {
    expect(parseTheme('{"brand":"#123456"}', "?brand=red&logo=http%3A%2F%2Fa.example%2Fa.png")).toEqual({ brand: "#123456" })
  })
})

describe("validation", () => {
  it("takes #rgb and #rrggbb colours only", () => {
    expect(validBrand("#abc")).toBe("#abc")
    expect(validBrand("#AABBCC")).toBe("#aabbcc")
    for (const bad of ["abc", "#abcd", "#ggg", "red", "#fff;background:url(x)", "", 12, null]) {
      expect(validBrand(bad), String(bad)).toBeUndefined()
    }
  })

  it("takes absolute https: URLs only", () => {
    expect(validLogo("https://cdn.example.com/l.svg")).toBe("https://cdn.example.com/l.svg")
    for (const bad of ["http://example.com/l.png", "javascript:alert(1)", "data:image/png;base64,AAAA", "/logo.png", "", 1]) {
      expect(validLogo(bad), String(bad)).toBeUndefined()
    }
  })
})

describe("textOn", () => {
  it("chooses black or white, whichever contrasts more", () => {
    expect(textOn("#ffffff")).toBe("#000000")
    expect(textOn("#000")).toBe("#ffffff")
    expect(textOn("#0a7cff")).toBe("#000000")
    expect(textOn("#1d4ed8")).toBe("#ffffff")
    expect(textOn("#ffd700")).toBe("#000000")
  })

  it("always reaches WCAG AA for large text, and AA for body text on most colours", () => {
    for (const colour of ["#0a7cff", "#777", "#ff0000", "#00ff00", "#800080", "#808080", "#1d4ed8"]) {
      expect(contrast(colour, textOn(colour)), colour).toBeGreaterThanOrEqual(4.5)
    }
  })

  it("computes WCAG's ratios", () => {
    expect(contrast("#000", "#fff")).toBeCloseTo(21, 5)
    expect(contrast("#fff", "#fff")).toBe(1)
  })
})
