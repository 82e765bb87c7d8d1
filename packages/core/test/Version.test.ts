import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { Version } from "@herald/core"

describe("Version", () => {
  it("names the package version in the User-Agent", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    expect(Version.version).toBe(pkg.version)
    expect(Version.userAgent).toContain(`Herald-Webhooks/${pkg.version}`)
  })
})
