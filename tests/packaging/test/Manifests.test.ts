/**
 * What every published package's manifest and files must say, read from the
 * workspace (no build, no pack): the license text, an install line that names
 * the peers, public access, `effect` and `@effect/platform` as peers only, and
 * internal ranges that name the versions in the workspace, which is what
 * `changeset version` keeps them at.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { allDependencies, publishable, readJson, ROOT, rootManifest, workspaces } from "./support/Workspace.js"

/** Their types are in Herald's public API, so the user's copy must be Herald's: peers, never dependencies. */
const PEER_ONLY = ["effect", "@effect/platform"]

const license = readFileSync(join(ROOT, "LICENSE"), "utf8")
const packages = publishable()

describe.each(packages.map((p) => [p.manifest.name, p] as const))("%s", (_, { dir, manifest }) => {
  it("ships the repository's LICENSE and is public", () => {
    expect(readFileSync(join(ROOT, dir, "LICENSE"), "utf8")).toBe(license)
    expect(manifest.publishConfig?.access).toBe("public")
    expect(manifest.repository?.directory).toBe(dir)
  })

  it("has a README whose install line names the package and its required peers with their ranges", () => {
    const readme = readFileSync(join(ROOT, dir, "README.md"), "utf8")
    const installs = readme.split("\n").filter((line) => line.startsWith("npm install ")).join(" ")
    const required = Object.entries(manifest.peerDependencies ?? {})
      .filter(([name]) => manifest.peerDependenciesMeta?.[name]?.optional !== true)
      .map(([name, range]) => `${name}@${range}`)
    for (const word of [manifest.name, ...required]) expect(installs.split(" "), word).toContain(word)
  })

  it("takes effect and @effect/platform as peers, not dependencies", () => {
    expect(Object.keys(manifest.dependencies ?? {}).filter((name) => PEER_ONLY.includes(name))).toEqual([])
  })
})

describe("the workspace", () => {
  it("builds every published package before the packaging tests (they are its devDependencies)", () => {
    const own = readJson<{ readonly devDependencies: Record<string, string> }>(join(ROOT, "tests/packaging/package.json"))
    expect(Object.keys(own.devDependencies).sort()).toEqual(packages.map((p) => p.manifest.name).sort())
  })

  it("packs every published package but testkit in npm run pack:packages (README's way to install before npm)", () => {
    const script = rootManifest().scripts?.["pack:packages"] ?? ""
    const packed = [...script.matchAll(/-w (\S+)/g)].map((match) => match[1])
    expect(packed.sort()).toEqual(packages.map((p) => p.dir).filter((dir) => dir !== "packages/testkit").sort())
  })

  it("depends on its own packages by a caret range on their current version", () => {
    const versions = new Map(workspaces().map((w) => [w.manifest.name, w.manifest.version]))
    const stale = workspaces().flatMap(({ manifest }) =>
      Object.entries(allDependencies(manifest))
        .filter(([name, range]) => versions.has(name) && range !== `^${versions.get(name)}`)
        .map(([name, range]) => `${manifest.name} -> ${name}@${range} (workspace: ${versions.get(name)})`)
    )
    expect(stale).toEqual([])
  })
})
