/**
 * Child processes for multi-process tests: the built API and worker apps
 * (`dist/main.js`) or any command (`npm start`), their output kept in memory
 * (printed when a test fails), readiness waits, graceful stop and `kill -9`.
 *
 * The tests run the *built* apps, as production does; CI builds them before this
 * package's tests (`turbo run build --filter=@herald/worker...`).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { RedisServer } from "@herald/testkit"

export const apiMain = fileURLToPath(new URL("../../../api/dist/main.js", import.meta.url))
/** The API keys command (`npm run keys -w @herald/api`). */
export const adminMain = fileURLToPath(new URL("../../../api/dist/admin.js", import.meta.url))
export const workerMain = fileURLToPath(new URL("../../dist/main.js", import.meta.url))
/** The repository's root, where `npm start` runs. */
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url))

/** Whether both apps have been built (`dist/main.js`). */
export const builtAppsExist = (): boolean => existsSync(apiMain) && existsSync(workerMain)

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
}

const sharedEnv = (shared: Shared): Record<string, string> => ({
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

/** A child's environment: the parent's minus anything Herald reads, plus `extra`. */
const childEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith("HERALD_") || name === "REDIS_URL" || name === "PORT" || name === "HOST") continue
    // Vitest's own variables would make a child think it runs under test.
    if (name.startsWith("VITEST") || name === "NODE_ENV" || name === "TEST") continue
    env[name] = value
  }
  return { ...env, NO_COLOR: "1", ...extra }
}

export interface Child {
  readonly name: string
  readonly pid: number
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  readonly output: () => string
  /** Whether it has exited (or been killed). */
  readonly exited: () => boolean
  /** `code=…/signal=…` once exited. */
  readonly exitStatus: () => string | undefined
  /** Resolves once `text` appears in the output; rejects if the process exits first or after `timeoutMs`. */
  readonly waitForOutput: (text: string, timeoutMs: number) => Promise<void>
  /** Sends `signal` and returns at once. */
  readonly signal: (signal: NodeJS.Signals) => void
  /** Resolves once it has exited. */
  readonly whenExited: () => Promise<void>
  /** SIGTERM, wait for exit; SIGKILL if it has not exited after `graceMs` (default 10 s). */
  readonly stop: (graceMs?: number) => Promise<void>
  /** SIGKILL and wait for exit. */
  readonly kill9: () => Promise<void>
}

const MAX_OUTPUT_CHARS = 2_000_000

/** Every child still running: killed if the test runner exits without stopping them. */
const live = new Set<ChildProcess>()
/** Process groups of detached children: killed whole at exit, whatever their leader did. */
const groups = new Set<number>()
process.once("exit", () => {
  for (const child of live) {
    try {
      child.kill("SIGKILL")
    } catch {
      // Already gone.
    }
  }
  for (const group of groups) killGroup(group)
})

/** Whether any process of group `pgid` is still alive. */
export const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

/** SIGKILL to every process of group `pgid`; never throws. */
export const killGroup = (pgid: number): void => {
  try {
    process.kill(-pgid, "SIGKILL")
  } catch {
    // Already gone.
  }
}

/** A Node script of this repository (`dist/main.js`), as production runs it. */
export const spawnNode = (name: string, script: string, env: Record<string, string>): Child =>
  spawnProcess(name, process.execPath, [script], env)

/**
 * Any command. `detached` makes it the leader of its own process group (its pid
 * is the group's id), so a test can see whether anything it started is left.
 */
export const spawnProcess = (
  name: string,
  command: string,
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  options: { readonly cwd?: string; readonly detached?: boolean } = {}
): Child => {
  const child: ChildProcess = spawn(command, args, {
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    detached: options.detached ?? false
  })
  live.add(child)
  if (options.detached === true && child.pid !== undefined) groups.add(child.pid)
  let output = ""
  let status: string | undefined
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const listener of [...listeners]) listener()
  }
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8")
    // Bounded: a chatty process cannot exhaust the test runner's memory.
    if (output.length > MAX_OUTPUT_CHARS) output = output.slice(output.length - MAX_OUTPUT_CHARS)
    notify()
  }
  child.stdout?.on("data", append)
  child.stderr?.on("data", append)
  const exitedPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child)
      status = `code=${code ?? "null"} signal=${signal ?? "null"}`
      notify()
      resolve()
    })
    child.once("error", (error) => {
      live.delete(child)
      output += `\n[spawn error] ${String(error)}\n`
      status ??= `spawn error: ${String(error)}`
      notify()
      resolve()
    })
  })
  const exited = () => status !== undefined

  const waitForOutput = (text: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer)
        listeners.delete(check)
      }
      const check = () => {
        if (output.includes(text)) {
          finish()
          resolve()
        } else if (exited()) {
          finish()
          reject(new Error(`${name} exited (${status}) before logging "${text}"`))
        }
      }
      const timer = setTimeout(() => {
        finish()
        reject(new Error(`${name} did not log "${text}" within ${timeoutMs} ms`))
      }, timeoutMs)
      listeners.add(check)
      check()
    })

  const signal = (sig: NodeJS.Signals) => {
    if (exited()) return
    try {
      child.kill(sig)
    } catch {
      // Already gone.
    }
  }

  const stop = async (graceMs = 10_000) => {
    if (exited()) return
    signal("SIGTERM")
    const timedOut = await Promise.race([exitedPromise.then(() => false), sleep(graceMs).then(() => true)])
    if (timedOut) {
      output += `\n[test] ${name} did not exit within ${graceMs} ms of SIGTERM: SIGKILL\n`
      signal("SIGKILL")
      await exitedPromise
    }
  }

  const kill9 = async () => {
    signal("SIGKILL")
    await exitedPromise
  }

  return {
    name,
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    exitStatus: () => status,
    waitForOutput,
    signal,
    whenExited: () => exitedPromise,
    stop,
    kill9
  }
}

export interface ApiProcess extends Child {
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
  const port = await RedisServer.freePort()
  const child = spawnNode("api", apiMain, {
    ...sharedEnv(shared),
    HERALD_ROLE: "api",
    PORT: String(port),
    HOST: "127.0.0.1",
    HERALD_API_KEYS: `${options.apiKey}=${options.teamspace}`,
    ...options.env
  })
  const url = `http://127.0.0.1:${port}`
  await waitHealthy(child, url, options.readyTimeoutMs ?? 60_000)
  return { ...child, url }
}

/** Whether `GET {url}/healthz` answers 200 now. */
export const healthy = async (url: string): Promise<boolean> => {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })
    return response.status === 200
  } catch {
    return false
  }
}

/** Waits until `GET {url}/healthz` answers 200; kills `child` and throws if it exits first or after `timeoutMs`. */
export const waitHealthy = async (child: Child, url: string, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exited()) {
      throw new Error(`${child.name} exited (${child.exitStatus()}) before becoming healthy:\n${child.output()}`)
    }
    if (await healthy(url)) return
    if (Date.now() > deadline) {
      await child.kill9()
      throw new Error(`${child.name} did not answer /healthz within ${timeoutMs} ms:\n${child.output()}`)
    }
    await sleep(100)
  }
}

export const WORKER_READY_LINE = "delivery worker started"

/** Starts a worker process and waits for its "delivery worker started" log line. */
export const startWorker = async (
  name: string,
  shared: Shared,
  options: { readonly concurrency?: number; readonly deliveryTimeout?: string; readonly readyTimeoutMs?: number } = {}
): Promise<Child> => {
  const child = spawnNode(name, workerMain, {
    ...sharedEnv(shared),
    HERALD_WORKER_CONCURRENCY: String(options.concurrency ?? 20),
    HERALD_DELIVERY_TIMEOUT: options.deliveryTimeout ?? "5 seconds"
  })
  try {
    await child.waitForOutput(WORKER_READY_LINE, options.readyTimeoutMs ?? 60_000)
  } catch (error) {
    await child.kill9()
    throw new Error(`${String(error)}\n${child.output()}`)
  }
  return child
}

/** Stops every child still running (SIGTERM, then SIGKILL after `graceMs`); never throws. */
export const stopAll = async (children: ReadonlyArray<Child | undefined>, graceMs = 10_000): Promise<void> => {
  await Promise.all(children.map((child) => child?.stop(graceMs).catch(() => child.kill9().catch(() => undefined))))
}

/** Prints the end of every child's output (the API logs each request, so all of it would drown the rest). */
export const dumpOutput = (children: ReadonlyArray<Child | undefined>, maxChars = 30_000): void => {
  for (const child of children) {
    if (child === undefined) continue
    const output = child.output()
    const shown = output.length > maxChars ? `[... ${output.length - maxChars} chars before]\n${output.slice(-maxChars)}` : output
    console.log(`----- ${child.name} (pid ${child.pid}, ${child.exitStatus() ?? "running"}) -----\n${shown}`)
  }
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

/** Polls `condition` every `intervalMs` until it holds; returns false after `timeoutMs`. */
export const pollUntil = async (
  condition: () => boolean,
  timeoutMs: number,
  intervalMs = 100
): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (condition()) return true
    if (Date.now() > deadline) return false
    await sleep(intervalMs)
  }
}

export { sleep }
