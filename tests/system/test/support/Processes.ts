/**
 * Herald's processes for the system tests: the built API and worker apps
 * (`dist/main.js`), as production runs them, on one shared environment (a Redis,
 * a hash tag, a retry schedule), each started through testkit's `ChildProcesses`
 * and awaited until ready; plus the waits and output dumps the tests share.
 *
 * The tests run the *built* apps; turbo builds them before this workspace's
 * tests (`@herald/api` and `@herald/worker` are its dependencies).
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { ChildProcesses, PostgresDatabase, RedisServer } from "@herald/testkit"

/** The repository's root, where `npm start` runs. */
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url))
export const apiMain = fileURLToPath(new URL("../../../../apps/api/dist/main.js", import.meta.url))
/** The API keys command (`npm run keys -w @herald/api`). */
export const adminMain = fileURLToPath(new URL("../../../../apps/api/dist/admin.js", import.meta.url))
/** The migrate command (`npm run migrate -w @herald/api`). */
export const migrateMain = fileURLToPath(new URL("../../../../apps/api/dist/migrate.js", import.meta.url))
export const workerMain = fileURLToPath(new URL("../../../../apps/worker/dist/main.js", import.meta.url))

/** Whether both apps have been built (`dist/main.js`). */
export const builtAppsExist = (): boolean => existsSync(apiMain) && existsSync(workerMain)

/**
 * Whether a system test over the built apps can run here, and if not the suffix its name takes
 * saying why: redis-server and the built apps always, PostgreSQL with `postgres`, the admin
 * command's entry point with `admin`.
 */
export const prerequisites = (needs: { readonly postgres?: boolean; readonly admin?: boolean } = {}) => {
  const why = !RedisServer.hasRedisServer()
    ? " (skipped: no redis-server binary)"
    : needs.postgres === true && !PostgresDatabase.isAvailable()
    ? ` (skipped: ${PostgresDatabase.skipReason})`
    : !builtAppsExist() || (needs.admin === true && !existsSync(adminMain))
    ? " (skipped: apps not built, run turbo build)"
    : ""
  return { canRun: why === "", why }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** `{t1a2b3c4d}`: one hash tag for both the store and the queue prefixes. */
export const uniqueTag = (): string => `{t${randomBytes(4).toString("hex")}}`

/** The environment shared by API and worker processes of one test. */
export interface Shared {
  /** One URL, or comma-separated seed nodes when `cluster` is set. */
  readonly redisUrl: string
  readonly cluster?: boolean
  /** A hash tag such as `{tabc123}`: the queue prefix is the tag, the store prefix the tag plus `:`. */
  readonly tag: string
  readonly retrySchedule: string
  /** A PostgreSQL database (`DATABASE_URL`) for the durable stores; Redis alone when absent. */
  readonly databaseUrl?: string | undefined
}

const sharedEnv = (shared: Shared): Record<string, string> => ({
  ...(shared.databaseUrl === undefined ? {} : { DATABASE_URL: shared.databaseUrl }),
  REDIS_URL: shared.redisUrl,
  HERALD_REDIS_CLUSTER: String(shared.cluster ?? false),
  HERALD_ALLOW_PRIVATE_URLS: "true",
  HERALD_RETRY_SCHEDULE: shared.retrySchedule,
  HERALD_REDIS_PREFIX: `${shared.tag}:`,
  HERALD_QUEUE_PREFIX: shared.tag,
  // Short lock and stall check so a killed worker's deliveries come back in
  // seconds; every process gets the same interval, as BullMQ needs. The lock
  // must outlive the 5 s delivery timeout, which every process is given.
  HERALD_DELIVERY_TIMEOUT: "5 seconds",
  HERALD_QUEUE_LOCK_DURATION: "8 seconds",
  HERALD_QUEUE_STALLED_INTERVAL: "2 seconds"
})

export interface ApiProcess extends ChildProcesses.Child {
  readonly url: string
}

/** Starts the API process and waits until `GET /healthz` answers 200. */
export const startApi = async (
  shared: Shared,
  options: {
    readonly apiKey: string
    readonly teamspace: string
    readonly readyTimeoutMs?: number
    /** More environment (rate limits, say), over the shared one. */
    readonly env?: Record<string, string>
  }
): Promise<ApiProcess> => {
  const child = ChildProcesses.spawnNode(apiMain, {
    name: "api",
    env: {
      ...sharedEnv(shared),
      HERALD_ROLE: "api",
      // Any free port, read back from the line saying where it listens (see `startWorker`).
      PORT: "0",
      HOST: "127.0.0.1",
      HERALD_API_KEYS: `${options.apiKey}=${options.teamspace}`,
      ...options.env
    }
  })
  const timeoutMs = options.readyTimeoutMs ?? 60_000
  const url = await listeningAt(child, "Listening on http://", API_LINE, timeoutMs)
  await waitHealthy(child, url, timeoutMs)
  return { ...child, url }
}

/** Whether `GET {url}/healthz` answers 200 now. */
export const healthy = (url: string): Promise<boolean> => ChildProcesses.answers200(`${url}/healthz`)

/** Waits until `GET {url}/healthz` answers 200; kills `child` and throws if it exits first or after `timeoutMs`. */
export const waitHealthy = (child: ChildProcesses.Child, url: string, timeoutMs: number): Promise<void> =>
  ChildProcesses.waitUntilAnswering(child, `${url}/healthz`, timeoutMs)

export const WORKER_READY_LINE = "delivery worker started"

/**
 * Waits for `ready` in `child`'s output, then reads the URL `line` captures from it (a server on
 * port 0 says where it listens); kills `child` and throws (with the end of its output) otherwise.
 */
const listeningAt = async (child: ChildProcesses.Child, ready: string, line: RegExp, timeoutMs: number): Promise<string> => {
  try {
    await child.waitForOutput(ready, timeoutMs)
  } catch (error) {
    await child.kill9()
    throw error
  }
  const url = line.exec(child.output())?.[1]
  if (url !== undefined) return url
  await child.kill9()
  throw new Error(`${child.name} started without saying where it listens:\n${child.tail()}`)
}

/** The API's line saying where it listens, and the URL in it. */
const API_LINE = /Listening on (http:\/\/[^:\s]+:\d+)/

/** The worker's line saying where its operations port listens, and the URL in it. */
const OPERATIONS_LINE = /operations port listening on (http:\/\/[^:\s]+:\d+)/

/** A worker process, and where its operations port (`/healthz`, `/readyz`, `/metrics`) answers. */
export interface WorkerProcess extends ChildProcesses.Child {
  readonly operationsUrl: string
}

/**
 * Starts a worker process, its operations port on a free port of its own (so that several run
 * side by side), and waits for its "delivery worker started" log line.
 */
export const startWorker = async (
  name: string,
  shared: Shared,
  options: {
    readonly concurrency?: number
    readonly deliveryTimeout?: string
    readonly readyTimeoutMs?: number
    /** More environment, over the shared one. */
    readonly env?: Record<string, string>
  } = {}
): Promise<WorkerProcess> => {
  const child = ChildProcesses.spawnNode(workerMain, {
    name,
    env: {
      ...sharedEnv(shared),
      HOST: "127.0.0.1",
      // Any free port, read back from the line saying where it listens: a port picked free here
      // could be taken by another test's process before the worker binds it.
      HERALD_METRICS_PORT: "0",
      HERALD_WORKER_CONCURRENCY: String(options.concurrency ?? 20),
      HERALD_DELIVERY_TIMEOUT: options.deliveryTimeout ?? "5 seconds",
      ...options.env
    }
  })
  // The operations port listens before the delivery loop starts, so its line is there by then.
  const operationsUrl = await listeningAt(child, WORKER_READY_LINE, OPERATIONS_LINE, options.readyTimeoutMs ?? 60_000)
  return { ...child, operationsUrl }
}

/**
 * Runs a command's built script (`adminMain`, `migrateMain`) to its end with only `env` (and HOME
 * and PATH), as an operator's shell would: its exit status and what it wrote to each stream.
 */
export const runCommand = (
  script: string,
  env: Record<string, string>,
  args: ReadonlyArray<string> = []
): Promise<{ readonly status: number | null; readonly stdout: string; readonly stderr: string }> =>
  new Promise((resolve, reject) => {
    const { HOME, PATH } = process.env
    const child = spawn(process.execPath, [script, ...args], {
      env: { HOME: HOME ?? "", PATH: PATH ?? "", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.once("error", reject)
    child.once("exit", (status) => resolve({ status, stdout, stderr }))
  })

/** Prints the end of every child's output (the API logs each request, so all of it would drown the rest). */
export const dumpOutput = (children: ReadonlyArray<ChildProcesses.Child | undefined>, maxChars = 30_000): void => {
  for (const child of children) {
    if (child === undefined) continue
    const output = child.output()
    const shown = output.length > maxChars ? `[... ${output.length - maxChars} chars before]\n${output.slice(-maxChars)}` : output
    console.log(`----- ${child.name} (pid ${child.pid}, ${child.exitStatus() ?? "running"}) -----\n${shown}`)
  }
}

/** Runs `steps`; when they fail, prints the test's processes' output before the failure goes on. */
export const dumpingOnFailure = async <A>(
  children: () => ReadonlyArray<ChildProcesses.Child | undefined>,
  steps: () => Promise<A>
): Promise<A> => {
  try {
    return await steps()
  } catch (error) {
    dumpOutput(children())
    throw error
  }
}

/** Stops the test's processes, then prints their output when `DUMP_CHILD_OUTPUT=1` (to read a passing run). */
export const stopAll = async (children: ReadonlyArray<ChildProcesses.Child | undefined>): Promise<void> => {
  await ChildProcesses.stopAll(children)
  if (process.env["DUMP_CHILD_OUTPUT"] === "1") dumpOutput(children)
}

/** Runs `task` at most `concurrency` at a time over `items`; rejects on the first failure. */
export const boundedAll = async <A>(
  items: ReadonlyArray<A>,
  concurrency: number,
  task: (item: A, index: number) => Promise<void>
): Promise<void> => {
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const index = next++
      await task(items[index]!, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane))
}

/** Polls `condition` (which may be async) every `intervalMs` until it holds; returns false after `timeoutMs`. */
export const pollUntil = async (
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100
): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return true
    if (Date.now() > deadline) return false
    await sleep(intervalMs)
  }
}

export { sleep }
