import { Either } from "effect"
import { describe, expect, it } from "vitest"
import * as PortalSettings from "../src/portal/PortalSettings.js"

describe("portal settings", () => {
  it("read a public URL without its trailing slash, and refuse anything but a plain http(s) URL", () => {
    expect(PortalSettings.parsePublicUrl("https://webhooks.example.com/")).toEqual(Either.right("https://webhooks.example.com"))
    expect(PortalSettings.parsePublicUrl(" https://example.com/herald/ ")).toEqual(Either.right("https://example.com/herald"))
    for (const bad of ["webhooks.example.com", "ftp://example.com", "https://u:p@example.com", "https://example.com/?a=1", "https://example.com/#x"]) {
      expect(Either.isLeft(PortalSettings.parsePublicUrl(bad)), bad).toBe(true)
    }
  })

  it("refuse a keyword without its quotes (a shell drops them), and 'none' beside other sources, saying why", () => {
    expect(PortalSettings.parseFrameAncestors("self https://dashboard.example.com")).toEqual(
      Either.left(
        "must write self with its single quotes, 'self' (unquoted it is a host name; in a shell quote the whole value: \"'self' https://dashboard.example.com\")"
      )
    )
    expect(PortalSettings.parseFrameAncestors("'none' https://a.example.com")).toEqual(
      Either.left("must be 'none' alone, or sources without it: 'none' allows no one")
    )
  })

  it("read frame-ancestors sources, and refuse what would break out of the directive", () => {
    expect(PortalSettings.parseFrameAncestors("'self'  https://dashboard.example.com https://*.example.com:8443 https:"))
      .toEqual(Either.right("'self' https://dashboard.example.com https://*.example.com:8443 https:"))
    expect(PortalSettings.parseFrameAncestors("'none'")).toEqual(Either.right("'none'"))
    for (const bad of ["", "'none' 'self'", "'self'; script-src *", "https://a.example.com,https://b.example.com", "'unsafe-inline'", "*"]) {
      const parsed = PortalSettings.parseFrameAncestors(bad)
      expect(Either.isLeft(parsed), bad).toBe(true)
    }
  })

  it("read a theme's brand colour and https logo, refusing other fields and values", () => {
    expect(PortalSettings.parseTheme("{\"brand\": \"#0a7cff\", \"logo\": \"https://example.com/l.svg\"}"))
      .toEqual(Either.right({ brand: "#0a7cff", logo: "https://example.com/l.svg" }))
    expect(PortalSettings.parseTheme("{}")).toEqual(Either.right({}))
    for (const bad of ["[]", "nope", "{\"brand\": \"red\"}", "{\"logo\": \"http://example.com/l.svg\"}", "{\"colour\": \"#fff\"}"]) {
      expect(Either.isLeft(PortalSettings.parseTheme(bad)), bad).toBe(true)
    }
  })
})
