/**
 * Child processes for tests and tools that run Herald as production does (the
 * built `dist/main.js` entry points, `npm start`, helper scripts): spawned with
 * a clean environment, their output collected, readiness awaited (a log line, an
 * HTTP answer), stopped with SIGTERM and awaited, killed if they do not exit.
 *
 * Output is kept in memory (bounded), or appended to a log file: a process
 * logging thousands of lines a second (the API logs every request) costs the
 * parent CPU when read through a pipe, which a benchmark cannot afford.
 *
 * Every child still running when the parent exits is killed, and so is every
 * process group started `detached`, so a failed test leaves nothing behind.
 */
import { type ChildProcess, spawn, type StdioOptions } from "node:child_process"
import { appendFileSync, closeSync, openSync, readFileSync } from "node:fs"

/**
 * How a child is spawned: its name in messages, environment, working directory, process group,
 * where its output goes, and how long `stop` waits.
 */
export interface SpawnOptions {
  /** How the child is named in messages. */
  readonly name: string
  /** Variables over the parent's environment (minus what Herald and the test runner read, see `childEnv`). */
  readonly env?: Record<string, string>
  /** Parent variables not passed on, beyond Herald's and the test runner's (the bench drops its own `BENCH_*`). */
  readonly dropEnv?: (name: string) => boolean
  readonly cwd?: string
  /** The leader of its own process group (its pid is the group's id), so `groupAlive` can tell whether anything it started is left. */
  readonly detached?: boolean
  /** Append the output to this file instead of keeping it in memory. */
  readonly logFile?: string
  /**
   * An IPC channel (`process.send`), for Node scripts of the caller's own. Herald's
   * apps get none: an open channel keeps a process alive after it shut down on SIGTERM.
   */
  readonly ipc?: boolean
  /** How long `stop()` waits after SIGTERM before SIGKILL; 10 s unless given. */
  readonly graceMs?: number
}

/** Spawn options for a Node script, with Node's own flags. */
export interface NodeSpawnOptions extends SpawnOptions {
  /** Node flags before the script, e.g. `--cpu-prof`. */
  readonly execArgv?: ReadonlyArray<string>
}

/** A running child: its output, its state, waits on its output, and ways to signal and stop it. */
export interface Child {
  readonly name: string
  readonly pid: number
  readonly process: ChildProcess
  /** Where the output goes, when it goes to a file. */
  readonly logFile: string | undefined
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  readonly output: () => string
  /** The last `chars` characters of the output. */
  readonly tail: (chars?: number) => string
  /** Whether it has exited (or could not be started). */
  readonly exited: () => boolean
  /** `code=…/signal=…` once exited. */
  readonly exitStatus: () => string | undefined
  /** Resolves once `text` appears in the output; rejects if the process exits first or after `timeoutMs` (default 60 s). */
  readonly waitForOutput: (text: string, timeoutMs?: number) => Promise<void>
  /** Sends `signal` and returns at once. */
  readonly signal: (signal: NodeJS.Signals) => void
  /** Resolves once it has exited. */
  readonly whenExited: () => Promise<void>
  /** SIGTERM, wait for exit; SIGKILL if it has not exited after `graceMs`. */
  readonly stop: (graceMs?: number) => Promise<void>
  /** SIGKILL and wait for exit. */
  readonly kill9: () => Promise<void>
}

const MAX_OUTPUT_CHARS = 2_000_000
const POLL_MS = 50

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Every child still running: killed if the parent exits without stopping them. */
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

/**
 * A child's environment: the parent's minus anything Herald reads (`HERALD_*`,
 * `REDIS_URL`, `PORT`, `HOST`) and the test runner's own variables (vitest's
 * would make a child think it runs under test), plus `extra`.
 */
export const childEnv = (extra: Record<string, string>, dropEnv: (name: string) => boolean = () => false): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith("HERALD_") || ["REDIS_URL", "PORT", "HOST"].includes(name)) continue
    if (name.startsWith("VITEST") || ["NODE_ENV", "TEST", "NODE_OPTIONS"].includes(name)) continue
    if (dropEnv(name)) continue
    env[name] = value
  }
  return { ...env, NO_COLOR: "1", ...extra }
}

/** `node [execArgv] script` with the same Node as the parent. */
export const spawnNode = (script: string, options: NodeSpawnOptions): Child =>
  spawnCommand(process.execPath, [...(options.execArgv ?? []), script], options)

/** Any command (`npm start`, say). */
export const spawnCommand = (command: string, args: ReadonlyArray<string>, options: SpawnOptions): Child => {
  const { logFile, name } = options
  const fd = logFile === undefined ? undefined : openSync(logFile, "a")
  const out = fd ?? "pipe"
  const stdio: StdioOptions = options.ipc === true ? ["ignore", out, out, "ipc"] : ["ignore", out, out]
  const child = spawn(command, args, {
    env: childEnv(options.env ?? {}, options.dropEnv),
    stdio,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    detached: options.detached ?? false
  })
  if (fd !== undefined) closeSync(fd)
  live.add(child)
  if (options.detached === true && child.pid !== undefined) groups.add(child.pid)

  let memory = ""
  let status: string | undefined
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const listener of [...listeners]) listener()
  }
  const note = (text: string) => {
    if (logFile === undefined) memory += text
    else appendFileSync(logFile, text)
  }
  const output = () => {
    if (logFile === undefined) return memory
    try {
      return readFileSync(logFile, "utf8")
    } catch {
      return ""
    }
  }
  const append = (chunk: Buffer) => {
    memory += chunk.toString("utf8")
    // Bounded: a chatty process cannot exhaust the parent's memory.
    if (memory.length > MAX_OUTPUT_CHARS) memory = memory.slice(memory.length - MAX_OUTPUT_CHARS)
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
      note(`\n[spawn error] ${String(error)}\n`)
      status ??= `spawn error: ${String(error)}`
      notify()
      resolve()
    })
  })
  const exited = () => status !== undefined
  const tail = (chars = 4_000) => {
    const text = output()
    return text.length > chars ? `[...]${text.slice(-chars)}` : text
  }

  const waitForOutput = (text: string, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer)
        if (poll !== undefined) clearInterval(poll)
        listeners.delete(check)
      }
      const check = () => {
        if (output().includes(text)) {
          finish()
          resolve()
        } else if (exited()) {
          finish()
          reject(new Error(`${name} exited (${status}) before logging "${text}":\n${tail()}`))
        }
      }
      const timer = setTimeout(() => {
        finish()
        reject(new Error(`${name} did not log "${text}" within ${timeoutMs} ms:\n${tail()}`))
      }, timeoutMs)
      // Output in memory announces itself; a log file is read again every few milliseconds.
      const poll = logFile === undefined ? undefined : setInterval(check, POLL_MS)
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

  const stop = async (graceMs = options.graceMs ?? 10_000) => {
    if (exited()) return
    signal("SIGTERM")
    const timedOut = await Promise.race([exitedPromise.then(() => false), sleep(graceMs).then(() => true)])
    if (timedOut) {
      note(`\n[${name}] did not exit within ${graceMs} ms of SIGTERM: SIGKILL\n`)
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
    process: child,
    logFile,
    output,
    tail,
    exited,
    exitStatus: () => status,
    waitForOutput,
    signal,
    whenExited: () => exitedPromise,
    stop,
    kill9
  }
}

/** Stops every child still running (SIGTERM, then SIGKILL after `graceMs`); never throws. */
export const stopAll = async (children: ReadonlyArray<Child | undefined>, graceMs?: number): Promise<void> => {
  await Promise.all(children.map((child) => child?.stop(graceMs).catch(() => child.kill9().catch(() => undefined))))
}

/** Whether `GET url` answers 200 now (within 2 s), on a connection of its own. */
export const answers200 = async (url: string): Promise<boolean> => {
  try {
    // A new connection each time: one kept alive could still be answered by a server that stopped listening.
    const response = await fetch(url, { headers: { connection: "close" }, signal: AbortSignal.timeout(2_000) })
    await response.arrayBuffer()
    return response.status === 200
  } catch {
    return false
  }
}

/**
 * Waits until `GET url` answers 200 (a health check); SIGKILLs `child` and throws
 * if it exits first or has not answered after `timeoutMs`.
 */
export const waitUntilAnswering = async (child: Child, url: string, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exited()) {
      throw new Error(`${child.name} exited (${child.exitStatus()}) before ${url} answered 200:\n${child.tail()}`)
    }
    if (await answers200(url)) return
    if (Date.now() > deadline) {
      await child.kill9()
      throw new Error(`${child.name}: ${url} did not answer 200 within ${timeoutMs} ms:\n${child.tail()}`)
    }
    await sleep(100)
  }
}
