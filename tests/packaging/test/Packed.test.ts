/**
 * The packages as npm would publish them, used as a user would: each library
 * package packed with `npm pack`, installed from its tarball into a fresh
 * project under the system's temporary directory (outside the workspace, so no
 * workspace links and nothing hoisted from the repository's node_modules), with
 * only typescript and @types/node beside them. Peers come as npm installs them
 * for a user (it adds missing peers itself), so everything a package needs must
 * be declared in its manifest. Then a program is compiled with `tsc` (strict,
 * NodeNext, with the libraries' declarations checked too) and run with node.
 *
 * Needs the packages built (turbo runs `^build` first: tests/packaging/turbo.json)
 * and the npm registry (`--prefer-offline`: the cache `npm ci` filled serves most).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, dirname, join, relative } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { publishable, readJson, rootManifest, ROOT, run, type Manifest } from "./support/Workspace.js"

/**
 * The program compiled and run against the installed packages; every `.ts`
 * file beside it is copied too. It must exit 0 only once a webhook was
 * delivered and verified.
 */
const PROGRAM = join(ROOT, "examples/plain-typescript/src/main.ts")

/** Entry points not loaded, with why. */
const NOT_LOADED: Record<string, string> = {
  "@herald/testkit/conformance": "imports vitest and @effect/vitest, optional peers this project does not install"
}

/** Packages a user's tree must hold once: their tags, classes and types are compared by identity. */
const SINGLETONS = ["effect", "@effect/platform", "@herald/core"]

/** The consumer's compiler settings: strict NodeNext, and the packages' declarations checked (no skipLibCheck). */
const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: false,
    types: ["node"],
    rootDir: "src",
    outDir: "dist"
  },
  include: ["src"]
}

const ENTRIES_FILE = "herald-entries"

/**
 * README's library section, whose complete programs (the TypeScript blocks that
 * start with an import; the others are fragments of them) are compiled here
 * beside the program, so the code a newcomer copies builds against the packages.
 */
const README_SECTION = "## Use Herald as a library"

/** The TypeScript blocks of README's library section that start with an import. */
const readmePrograms = (): ReadonlyArray<string> => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8")
  const start = readme.indexOf(`\n${README_SECTION}\n`)
  if (start < 0) throw new Error(`README has no "${README_SECTION}"`)
  const end = readme.indexOf("\n## ", start + README_SECTION.length + 2)
  const section = readme.slice(start, end < 0 ? undefined : end)
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!).filter((code) => code.startsWith("import "))
}

interface Packed {
  readonly name: string
  readonly filename: string
  readonly files: ReadonlyArray<{ readonly path: string }>
}

let scratch = ""
let app = ""
let packed: ReadonlyArray<Packed> = []
let entryPoints: ReadonlyArray<string> = []
let readmeFiles: ReadonlyArray<string> = []
const packages = publishable()

/** Every module specifier a package's exports offer (patterns expanded over the files they match), JSON files aside. */
const specifiers = (packageDir: string, manifest: Manifest): ReadonlyArray<string> =>
  Object.entries(manifest.exports ?? { ".": "./index.js" }).flatMap(([key, target]) => {
    const file = typeof target === "string" ? target : (target as { readonly default: string }).default
    if (file.endsWith(".json")) return []
    const name = key === "." ? manifest.name : `${manifest.name}${key.slice(1)}`
    if (!key.includes("*")) return [name]
    const [prefix = "", suffix = ""] = file.split("*")
    const base = join(packageDir, prefix)
    return (readdirSync(base, { recursive: true }) as Array<string>)
      .filter((path) => path.endsWith(suffix))
      .map((path) => name.replace("*", path.slice(0, -suffix.length)))
  })

/** Every directory under node_modules (nested ones included) holding a package, by package name. */
const installedCopies = (nodeModules: string, found = new Map<string, Array<string>>()) => {
  if (!existsSync(nodeModules)) return found
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue
    const dirs = entry.startsWith("@")
      ? readdirSync(join(nodeModules, entry)).map((name) => join(nodeModules, entry, name))
      : [join(nodeModules, entry)]
    for (const dir of dirs) {
      const manifest = join(dir, "package.json")
      if (existsSync(manifest)) {
        const { name } = readJson<{ readonly name: string }>(manifest)
        found.set(name, [...(found.get(name) ?? []), relative(app, dir)])
      }
      installedCopies(join(dir, "node_modules"), found)
    }
  }
  return found
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "herald-packaging-"))
  const packs = join(scratch, "packs")
  app = join(scratch, "app")
  mkdirSync(packs)
  mkdirSync(join(app, "src"), { recursive: true })

  const pack = await run(
    "npm",
    ["pack", "--json", "--pack-destination", packs, ...packages.flatMap((p) => ["-w", p.manifest.name])],
    ROOT
  )
  packed = JSON.parse(pack.stdout) as ReadonlyArray<Packed>

  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "herald-packaging-app", private: true, type: "module" }))
  const tools = rootManifest().devDependencies ?? {}
  await run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    ...packed.map((p) => join(packs, p.filename)),
    `typescript@${tools["typescript"]}`,
    `@types/node@${tools["@types/node"]}`
  ], app)

  for (const file of readdirSync(dirname(PROGRAM)).filter((name) => name.endsWith(".ts"))) {
    cpSync(join(dirname(PROGRAM), file), join(app, "src", file))
  }
  mkdirSync(join(app, "src", "readme"))
  readmeFiles = readmePrograms().map((code, n) => {
    const file = join(app, "src", "readme", `block-${n + 1}.ts`)
    writeFileSync(file, code)
    return relative(app, file)
  })
  entryPoints = packages.flatMap(({ manifest }) =>
    specifiers(join(app, "node_modules", manifest.name), manifest)
  ).filter((specifier) => !(specifier in NOT_LOADED))
  writeFileSync(
    join(app, "src", `${ENTRIES_FILE}.ts`),
    [
      "// Every entry point of the installed @herald packages, for the types and for node.",
      ...entryPoints.map((specifier, n) => `import * as m${n} from "${specifier}"`),
      `export const modules: ReadonlyArray<object> = [${entryPoints.map((_, n) => `m${n}`).join(", ")}]`,
      "console.log(`${modules.length} entry points loaded`)",
      ""
    ].join("\n")
  )
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2))
}, 300_000)

afterAll(() => {
  if (scratch !== "") rmSync(scratch, { recursive: true, force: true })
})

describe("the packed packages", () => {
  it("are every library package, each shipping its build, sources, README and LICENSE and nothing else", () => {
    expect(packed.map((p) => p.name).sort()).toEqual(packages.map((p) => p.manifest.name).sort())
    for (const { name, files } of packed) {
      const paths = files.map((file) => file.path)
      const manifest = packages.find((p) => p.manifest.name === name)!.manifest
      const topLevel = new Set(["package.json", "README.md", "LICENSE", "CHANGELOG.md", ...(manifest.files ?? [])])
      expect(paths, name).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]))
      expect(paths.filter((path) => !/^(dist|src)\//.test(path) && !topLevel.has(path)), name).toEqual([])
      expect(paths.filter((path) => /(^|\/)test\/|\.test\.|\.tsbuildinfo$|tsconfig|vitest/.test(path)), name).toEqual([])
      const targets = Object.values(manifest.exports ?? {}).flatMap((target) =>
        typeof target === "string" ? [target] : Object.values(target as Record<string, string>)
      )
      const unshipped = targets.filter((target) => !target.includes("*") && !paths.includes(target.slice(2)))
      expect(unshipped, `${name}: export targets missing from the tarball`).toEqual([])
    }
  })

  it("install one copy each of effect, @effect/platform and @herald/core", () => {
    const copies = installedCopies(join(app, "node_modules"))
    for (const name of SINGLETONS) expect(copies.get(name), name).toEqual([`node_modules/${name}`])
  })

  it("ship the files their declaration and source maps point at", () => {
    const missing = packages.flatMap(({ manifest }) => {
      const dist = join(app, "node_modules", manifest.name, "dist")
      return (readdirSync(dist, { recursive: true }) as Array<string>)
        .filter((path) => path.endsWith(".map"))
        .flatMap((path) => {
          const map = readJson<{ readonly sources: ReadonlyArray<string>; readonly sourceRoot?: string }>(join(dist, path))
          return map.sources
            .map((source) => join(dist, dirname(path), map.sourceRoot ?? "", source))
            .filter((source) => !existsSync(source))
        })
    })
    expect(missing).toEqual([])
  })

  it("compile with the program, README's library code and every entry point (strict, NodeNext, declarations checked)", async () => {
    expect(entryPoints.length).toBeGreaterThan(packages.length)
    // Without Effect, in an Effect application, mounted in a server.
    expect(readmeFiles.length, "README's library programs").toBeGreaterThanOrEqual(3)
    await run(process.execPath, [join(app, "node_modules/typescript/bin/tsc"), "-p", "."], app)
  }, 120_000)

  it("load in node, every entry point", async () => {
    const { stdout } = await run(process.execPath, [join(app, "dist", `${ENTRIES_FILE}.js`)], app)
    expect(stdout).toContain(`${entryPoints.length} entry points loaded`)
  }, 60_000)

  it("run their commands as npm linked them: each bin answers --version with its package's version", async () => {
    const bins = packages.flatMap(({ manifest }) => {
      const declared = typeof manifest.bin === "string" ? { [manifest.name.split("/").pop()!]: manifest.bin } : manifest.bin ?? {}
      return Object.keys(declared).map((name) => ({ name, version: manifest.version }))
    })
    expect(bins.map((bin) => bin.name)).toContain("herald")
    for (const { name, version } of bins) {
      // The link itself, as a user's shell or npx runs it: its shebang and mode count.
      const { stdout } = await run(join(app, "node_modules", ".bin", name), ["--version"], app)
      expect(stdout.trim(), name).toBe(version)
    }
  }, 60_000)

  it("run the program: a webhook delivered and verified", async () => {
    await run(process.execPath, [join(app, "dist", `${basename(PROGRAM, ".ts")}.js`)], app)
  }, 60_000)
})
