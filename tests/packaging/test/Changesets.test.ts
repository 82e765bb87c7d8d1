/**
 * The release flow's first step, `changeset version`, run on a copy of what it
 * reads and writes (the root manifest, .changeset/ and every workspace's
 * package.json and CHANGELOG.md) in a temporary directory, so the pending
 * changesets are consumed there and not here. It must succeed (a changeset
 * naming a package that no longer exists, or mixing ignored and versioned
 * packages, fails it), move the fixed group to one version, keep every internal
 * range on the version it depends on, write the changelogs, and leave the
 * versions of packages that no changeset or dependency touched alone.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allDependencies, publishable, readJson, ROOT, run, workspaces, type Manifest } from "./support/Workspace.js"

interface ChangesetConfig {
  readonly access: string
  readonly fixed: ReadonlyArray<ReadonlyArray<string>>
  readonly privatePackages: { readonly version: boolean; readonly tag: boolean }
}

const config = readJson<ChangesetConfig>(join(ROOT, ".changeset/config.json"))
const pending = readdirSync(join(ROOT, ".changeset")).filter((file) => file.endsWith(".md") && file !== "README.md")
/** The packages the pending changesets name (their front matter's `"name": bump` lines). */
const named = new Set(pending.flatMap((file) =>
  [...readFileSync(join(ROOT, ".changeset", file), "utf8").matchAll(/^["']?([^"':\s]+)["']?:\s*(?:major|minor|patch)\s*$/gm)]
    .map((match) => match[1]!)
))
const before = workspaces()

let scratch = ""
let after = new Map<string, Manifest>()

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "herald-changesets-"))
  cpSync(join(ROOT, "package.json"), join(scratch, "package.json"))
  cpSync(join(ROOT, ".changeset"), join(scratch, ".changeset"), { recursive: true })
  for (const { dir } of before) {
    mkdirSync(join(scratch, dir), { recursive: true })
    for (const file of ["package.json", "CHANGELOG.md"]) {
      if (existsSync(join(ROOT, dir, file))) cpSync(join(ROOT, dir, file), join(scratch, dir, file))
    }
  }
  await run(process.execPath, [join(ROOT, "node_modules/@changesets/cli/bin.js"), "version"], scratch)
  after = new Map(before.map(({ dir }) => {
    const manifest = readJson<Manifest>(join(scratch, dir, "package.json"))
    return [manifest.name, manifest]
  }))
}, 60_000)

afterAll(() => {
  if (scratch !== "") rmSync(scratch, { recursive: true, force: true })
})

describe("changeset version", () => {
  it("publishes publicly, tags no private package, and fixes every package that depends on @herald/core to one version", () => {
    expect(config.access).toBe("public")
    expect(config.privatePackages.tag).toBe(false)
    const onCore = publishable().filter(({ manifest }) => "@herald/core" in allDependencies(manifest) || manifest.name === "@herald/core")
    const group = config.fixed.find((names) => names.includes("@herald/core")) ?? []
    expect([...group].sort()).toEqual(onCore.map((p) => p.manifest.name).sort())
  })

  it("consumes every pending changeset", () => {
    const left = readdirSync(join(scratch, ".changeset")).filter((file) => file.endsWith(".md") && file !== "README.md")
    expect(left).toEqual([])
  })

  it("moves each fixed group together, past its version when a pending changeset names one of it", () => {
    expect(named.size > 0 || pending.length === 0).toBe(true)
    for (const group of config.fixed) {
      const versions = new Set(group.map((name) => after.get(name)?.version))
      expect(versions.size, group.join(", ")).toBe(1)
      const old = before.find((w) => w.manifest.name === group[0])!.manifest.version
      if (group.some((name) => named.has(name))) expect([...versions][0]).not.toBe(old)
    }
  })

  it("keeps every internal range on the version it names", () => {
    const stale = [...after.values()].flatMap((manifest) =>
      Object.entries(allDependencies(manifest))
        .filter(([name, range]) => after.has(name) && range !== `^${after.get(name)!.version}`)
        .map(([name, range]) => `${manifest.name} -> ${name}@${range} (now ${after.get(name)!.version})`)
    )
    expect(stale).toEqual([])
  })

  it("writes a changelog entry for each published package it moves", () => {
    for (const { dir, manifest } of publishable()) {
      const version = after.get(manifest.name)!.version
      if (version === manifest.version) continue
      expect(readFileSync(join(scratch, dir, "CHANGELOG.md"), "utf8"), manifest.name).toContain(`## ${version}\n`)
    }
  })
})
