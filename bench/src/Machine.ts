/**
 * The machine a run was taken on, recorded with its figures: benchmark numbers
 * mean little without it.
 */
import { execFileSync } from "node:child_process"
import * as os from "node:os"

export interface Machine {
  readonly cpus: number
  readonly cpuModel: string
  readonly memoryGiB: number
  readonly os: string
  readonly node: string
  readonly redis: string
  /** The server of the PG + Redis variants; absent when they were skipped. */
  readonly postgres?: string | undefined
  readonly loadAverageAtStart: ReadonlyArray<number>
}

/**
 * The commit measured, and whether Herald's sources differed from it (the
 * bench builds and measures the working tree, uncommitted changes included).
 */
export const revision = (repoRoot: string): { readonly commit: string; readonly uncommittedChanges: ReadonlyArray<string> } => {
  const git = (...args: ReadonlyArray<string>) =>
    execFileSync("git", ["-C", repoRoot, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  try {
    const changed = git("status", "--porcelain", "--", "packages", "apps")
    return { commit: git("rev-parse", "HEAD"), uncommittedChanges: changed === "" ? [] : changed.split("\n").map((line) => line.trim()) }
  } catch {
    return { commit: "unknown", uncommittedChanges: [] }
  }
}

export const describe = (redisVersion: string, postgresVersion?: string): Machine => ({
  cpus: os.availableParallelism(),
  cpuModel: os.cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  redis: redisVersion,
  ...(postgresVersion === undefined ? {} : { postgres: postgresVersion }),
  loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100)
})
