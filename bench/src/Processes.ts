/**
 * The bench's child processes (testkit's `ChildProcesses`): the built Herald apps,
 * the baseline workers and the receiver, and the IPC the bench's own children answer.
 *
 * Output goes to a numbered log file per child, not a pipe: the Herald API logs
 * every request, and reading thousands of lines a second would cost the bench
 * process CPU that the processes under test then do not get. A failure prints
 * the log's tail.
 */
import { join } from "node:path"
import { ChildProcesses } from "@herald/testkit"

export type Child = ChildProcesses.Child

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

let sequence = 0

/** Starts `node [execArgv] script`, its output appended to a log file in `logDir`; the bench's own `BENCH_*` variables stay with the bench. */
export const spawnNode = (options: SpawnOptions): Child =>
  ChildProcesses.spawnNode(options.script, {
    name: options.name,
    env: options.env,
    dropEnv: (name) => name.startsWith("BENCH_"),
    logFile: join(options.logDir, `${String(++sequence).padStart(2, "0")}-${options.name}.log`),
    execArgv: options.execArgv ?? [],
    ipc: options.ipc ?? false,
    graceMs: 15_000
  })

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
