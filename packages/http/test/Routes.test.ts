/**
 * `Routes` matches requests with find-my-way-ts as the platform's router does,
 * so both must load one copy of it: the app asks for it in the range the
 * platform does, and npm installs it once.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { describe, expect, it } from "vitest"

const require = createRequire(import.meta.url)
const manifest = (path: string) =>
  JSON.parse(readFileSync(path, "utf8")) as { readonly dependencies: Record<string, string> }

describe("find-my-way-ts", () => {
  it("is asked for in the range @effect/platform asks for, and resolves to its copy", () => {
    const app = manifest(new URL("../package.json", import.meta.url).pathname)
    const platformManifest = require.resolve("@effect/platform/package.json")
    const platform = manifest(platformManifest)
    expect(app.dependencies["find-my-way-ts"]).toBe(platform.dependencies["find-my-way-ts"])
    const fromPlatform = createRequire(platformManifest).resolve("find-my-way-ts")
    expect(require.resolve("find-my-way-ts")).toBe(fromPlatform)
  })
})
