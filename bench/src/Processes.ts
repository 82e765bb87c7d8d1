/**
 * Child processes: the built Herald apps, the baseline workers and the receiver.
 *
 * Output goes to a log file, not a pipe: the Herald API logs every request, and
 * reading thousands of lines a second would cost the bench process CPU that the
 * processes under test then do not get. A failure prints the log's tail.
 */
import { type ChildProcess, fork, spawn } from "node:child_process"
import { closeSync, openSync, readFileSync } from "node:fs"
import { join } from "node:path"

export interface Child {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  readonly process: ChildProcess
  readonly exited: () => boolean
  /** `code=…/signal=…` once exited. */
  readonly exitStatus: () => string | undefined
  /** Resolves once `text` appears in the log; rejects if the process exits first or after `timeoutMs`. */
  readonly waitForLog: (text: string, timeoutMs?: number) => Promise<void>
  /** The last `chars` characters of the log. */
  readonly tail: (chars?: number) => string
  /** SIGTERM, and SIGKILL after `graceMs`. */
  readonly stop: (graceMs?: number) => Promise<void>
}

export interface SpawnOptions {
  readonly name: string
  readonly script: string
  readonly env: Record<string, string>
  readonly logDir: string
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly execArgv?: ReadonlyArray<string>
  /**
   * An IPC channel, for the bench's own children. Herald's apps get none: an open
   * channel would keep a process alive after it has shut down on SIGTERM.
   */
  readonly ipc?: boolean
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Every child still running: killed if the bench exits without stopping them. */
const live = new Set<ChildProcess>()
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL")
})

/** The parent's environment minus anything Herald reads, plus `extra`. */
const childEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith("HERALD_") || name.startsWith("BENCH_") || ["REDIS_URL", "PORT", "HOST", "NODE_OPTIONS"].includes(name)) {
      continue
    }
    env[name] = value
  }
  return { ...env, NO_COLOR: "1", ...extra }
}

let sequence = 0

/** Starts `node [execArgv] script`, its output appended to a log file in `logDir`. */
export const spawnNode = (options: SpawnOptions): Child => {
  const logFile = join(options.logDir, `${String(++sequence).padStart(2, "0")}-${options.name}.log`)
  const fd = openSync(logFile, "a")
  const env = childEnv(options.env)
  const execArgv = [...(options.execArgv ?? [])]
  const child = options.ipc === true
    ? fork(options.script, [], { env, execArgv, stdio: ["ignore", fd, fd, "ipc"] })
    : spawn(process.execPath, [...execArgv, options.script], { env, stdio: ["ignore", fd, fd] })
  closeSync(fd)
  live.add(child)
  let status: string | undefined
  const exitedPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child)
      status = `code=${code ?? "null"} signal=${signal ?? "null"}`
      resolve()
    })
  })
  const read = () => {
    try {
      return readFileSync(logFile, "utf8")
    } catch {
      return ""
    }
  }
  const tail = (chars = 4_000) => {
    const text = read()
    return text.length > chars ? `[...]${text.slice(-chars)}` : text
  }
  const waitForLog = async (text: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (read().includes(text)) return
      if (status !== undefined) throw new Error(`${options.name} exited (${status}) before logging "${text}":\n${tail()}`)
      if (Date.now() > deadline) throw new Error(`${options.name} did not log "${text}" within ${timeoutMs} ms:\n${tail()}`)
      await sleep(50)
    }
  }
  const stop = async (graceMs = 15_000) => {
    if (status !== undefined) return
    child.kill("SIGTERM")
    const timedOut = await Promise.race([exitedPromise.then(() => false), sleep(graceMs).then(() => true)])
    if (timedOut) {
      child.kill("SIGKILL")
      await exitedPromise
    }
  }
  return {
    name: options.name,
    pid: child.pid ?? -1,
    logFile,
    process: child,
    exited: () => status !== undefined,
    exitStatus: () => status,
    waitForLog,
    tail,
    stop
  }
}

/** Sends an IPC message and resolves with the first reply that `accept` recognises. */
export const request = <A>(
  child: Child,
  message: object,
  accept: (reply: unknown) => A | undefined,
  timeoutMs = 600_000
): Promise<A> => {
  const reply = waitForMessage(child, accept, timeoutMs)
  child.process.send(message)
  return reply
}

/** Resolves with the first IPC message from `child` that `accept` recognises. */
export const waitForMessage = <A>(
  child: Child,
  accept: (reply: unknown) => A | undefined,
  timeoutMs = 600_000
): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const onMessage = (reply: unknown) => {
      const value = accept(reply)
      if (value === undefined) return
      cleanup()
      resolve(value)
    }
    const onExit = () => {
      cleanup()
      reject(new Error(`${child.name} exited while the bench waited for its answer:\n${child.tail()}`))
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`${child.name} did not answer within ${timeoutMs} ms`))
    }, timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      child.process.off("message", onMessage)
      child.process.off("exit", onExit)
    }
    child.process.on("message", onMessage)
    child.process.once("exit", onExit)
  })
