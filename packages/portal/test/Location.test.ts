import { describe, expect, it } from "vitest"
import { apiRoot, tokenFromHash } from "../src/site/Location.js"

describe("apiRoot", () => {
  it("is the path before the last /portal segment", () => {
    expect(apiRoot("/portal")).toBe("")
    expect(apiRoot("/portal/")).toBe("")
    expect(apiRoot("/portal/index.html")).toBe("")
    expect(apiRoot("/herald/portal")).toBe("/herald")
    expect(apiRoot("/herald/portal/")).toBe("/herald")
    expect(apiRoot("/a/b/portal/index.html")).toBe("/a/b")
  })

  it("takes only a whole /portal segment, the last one", () => {
    expect(apiRoot("/portal/x/portal/")).toBe("/portal/x")
    expect(apiRoot("/portals/portal")).toBe("/portals")
  })

  it("falls back to the parent of the page's directory", () => {
    expect(apiRoot("/customer/hooks/index.html")).toBe("/customer")
    expect(apiRoot("/hooks/")).toBe("")
    expect(apiRoot("/")).toBe("")
  })
})

describe("tokenFromHash", () => {
  it("reads the token and leaves nothing behind", () => {
    expect(tokenFromHash("#token=hps_abc123")).toEqual({ token: "hps_abc123", rest: "" })
  })

  it("keeps the fragment's other parameters", () => {
    expect(tokenFromHash("#view=x&token=hps_abc&y=1")).toEqual({ token: "hps_abc", rest: "#view=x&y=1" })
  })

  it("decodes the token", () => {
    expect(tokenFromHash("#token=hps_a%2Bb").token).toBe("hps_a+b")
  })

  it("finds none in an empty fragment, a fragment without it, or an empty token", () => {
    expect(tokenFromHash("")).toEqual({ token: undefined, rest: "" })
    expect(tokenFromHash("#section")).toEqual({ token: undefined, rest: "#section" })
    expect(tokenFromHash("#token=")).toEqual({ token: undefined, rest: "" })
  })
})
