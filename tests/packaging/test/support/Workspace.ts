/**
 * The repository seen from the packaging tests: its workspaces and their
 * manifests, which of them are published, and a way to run npm and the tools
 * of a scratch project outside it.
 */
import { execFile } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const ROOT = fileURLToPath(new URL("../../../../", import.meta.url))

export interface Manifest {
  readonly name: string
  readonly version: string
  readonly private?: boolean
  readonly files?: ReadonlyArray<string>
  readonly exports?: Record<string, unknown>
  readonly repository?: { readonly directory?: string }
  readonly publishConfig?: { readonly access?: string }
  readonly sideEffects?: boolean | ReadonlyArray<string>
  readonly bin?: string | Record<string, string>
  readonly scripts?: Record<string, string>
  readonly dependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>
  readonly workspaces?: ReadonlyArray<string>
}

export interface Workspace {
  /** Relative to the repository root, e.g. `packages/core`. */
  readonly dir: string
  readonly manifest: Manifest
}

export const readJson = <A>(file: string): A => JSON.parse(readFileSync(file, "utf8")) as A

export const rootManifest = (): Manifest => readJson<Manifest>(join(ROOT, "package.json"))

/** Every workspace the root package.json names (`packages/*` is every folder under packages/). */
export const workspaces = (): ReadonlyArray<Workspace> =>
  (rootManifest().workspaces ?? [])
    .flatMap((pattern) => {
      if (!pattern.endsWith("/*")) return [pattern]
      const base = pattern.slice(0, -2)
      return readdirSync(join(ROOT, base)).map((name) => `${base}/${name}`)
    })
    .filter((dir) => existsSync(join(ROOT, dir, "package.json")))
    .map((dir) => ({ dir, manifest: readJson<Manifest>(join(ROOT, dir, "package.json")) }))

/** The workspaces published to npm: those not marked private. */
export const publishable = (): ReadonlyArray<Workspace> => workspaces().filter((w) => w.manifest.private !== true)

/** Dependencies of every kind, by name. */
export const allDependencies = (manifest: Manifest): Record<string, string> => ({
  ...manifest.dependencies,
  ...manifest.devDependencies,
  ...manifest.peerDependencies
})

/**
 * The environment for npm in a scratch project: this process's, without what
 * `npm run`/`npm test` put there about the workspace it started in (the local
 * prefix, the workspace, the package), so the scratch project is its own root.
 * Registry, cache and certificates settings stay.
 */
export const scratchEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(([key]) =>
      !/^npm_(package_|lifecycle_|command$|config_(local_prefix|workspaces?|include_workspace_root)$)/i.test(key) &&
      key !== "INIT_CWD"
    )
  )

export interface Output {
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to its end; rejects with its output if it exits non-zero. */
export const run = (command: string, args: ReadonlyArray<string>, cwd: string, env = scratchEnv()): Promise<Output> =>
  new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve({ stdout, stderr })
      else reject(new Error(`${command} ${args.join(" ")} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`))
    })
  })
