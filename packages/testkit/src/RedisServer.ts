/**
 * A private Redis for tests: a `redis-server` on a free loopback port in its own
 * temporary directory, removed afterwards. Without the binary, `REDIS_URL` is used
 * instead, on a database other than 0 and under a unique key prefix, and nothing
 * is flushed: tests never touch data they did not create. `startOwned` never
 * falls back, for callers that flush or measure the whole server (the bench).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { createConnection, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * A Redis for one test or suite: where it is, a unique key prefix, whether this process owns it,
 * and `stop`, `restart`, `close`.
 */
export interface RedisInstance {
  /** `redis://127.0.0.1:PORT/DB` */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly db: number
  /** A prefix unique to this instance; adapters under test should namespace their keys with it. */
  readonly prefix: string
  /** Whether this process started the server (and so may restart or kill it). */
  readonly owned: boolean
  /** The server's process id while one this process started runs. */
  readonly pid: () => number | undefined
  /** Stops the server (SIGTERM) and waits; with AOF on, data survives for `restart`. */
  readonly stop: () => Promise<void>
  /** Starts the stopped server again on the same port and directory. */
  readonly restart: () => Promise<void>
  /** Stops it for good and removes its directory. */
  readonly close: () => Promise<void>
}

/** How a test server is started: AOF, its fsync policy, and extra arguments. */
export interface StartOptions {
  /** Turn AOF on, for tests that restart Redis. */
  readonly appendOnly?: boolean
  /** AOF's fsync policy: `always` unless given (`everysec` is the production advice). */
  readonly appendFsync?: "always" | "everysec"
  /** Extra `redis-server` arguments, e.g. `["--cluster-enabled", "yes"]`. */
  readonly args?: ReadonlyArray<string>
}

/** The `redis-server` binary's version, e.g. `7.2.4`. */
export const version = (): string => {
  const out = execFileSync("redis-server", ["--version"], { encoding: "utf8" })
  return /v=(\S+)/.exec(out)?.[1] ?? out.trim()
}

/** Whether `redis-server` is on PATH (else `start` falls back to `REDIS_URL`). */
export const hasRedisServer = (): boolean => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/** A loopback port free at the moment of asking. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** Resolves once the server answers PING (raw RESP, no client library needed). */
export const waitForPing = async (port: number, host = "127.0.0.1", timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host })
      let reply = ""
      socket.setTimeout(500, () => {
        socket.destroy()
        resolve(false)
      })
      socket.on("connect", () => socket.write("PING\r\n"))
      socket.on("data", (chunk) => {
        reply += chunk.toString()
        if (reply.includes("\r\n")) {
          socket.destroy()
          resolve(reply.startsWith("+PONG"))
        }
      })
      socket.on("error", () => resolve(false))
    })
    if (answered) return
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const uniquePrefix = () => `herald-test-${randomBytes(4).toString("hex")}:`

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
  })

/** A server of this process's own when the binary is there, `REDIS_URL` otherwise. */
export const start = (options: StartOptions = {}): Promise<RedisInstance> =>
  hasRedisServer() ? startOwned(options) : fromEnvironment()

/** A server of this process's own; fails without the `redis-server` binary. */
export const startOwned = async (options: StartOptions = {}): Promise<RedisInstance> => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "herald-redis-"))
  const args = [
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--dir", dir,
    "--save", "",
    "--daemonize", "no",
    "--loglevel", "warning",
    ...(options.appendOnly ? ["--appendonly", "yes", "--appendfsync", options.appendFsync ?? "always"] : ["--appendonly", "no"]),
    ...(options.args ?? [])
  ]
  let child: ChildProcess | undefined
  const launch = async () => {
    child = spawn("redis-server", args, { stdio: "ignore" })
    await waitForPing(port)
  }
  const stop = async () => {
    if (child === undefined) return
    const running = child
    child = undefined
    running.kill("SIGTERM")
    await exited(running)
  }
  await launch()
  return {
    url: `redis://127.0.0.1:${port}/0`,
    host: "127.0.0.1",
    port,
    db: 0,
    prefix: uniquePrefix(),
    owned: true,
    pid: () => child?.pid,
    stop,
    restart: launch,
    close: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/**
 * `REDIS_URL`, a server this process did not start: never database 0 (15 unless
 * the URL names another), and only keys under this instance's prefix are used.
 */
const fromEnvironment = async (): Promise<RedisInstance> => {
  const raw = process.env["REDIS_URL"]
  if (raw === undefined || raw === "") {
    throw new Error("Tests need Redis: install redis-server, or set REDIS_URL to a server they may use")
  }
  const url = new URL(raw)
  const named = Number(url.pathname.slice(1) || "0")
  const db = named === 0 ? 15 : named
  url.pathname = `/${db}`
  const port = Number(url.port || "6379")
  const notOwned = () => Promise.reject(new Error("this Redis was not started by the test: it cannot be restarted"))
  return {
    url: url.toString(),
    host: url.hostname,
    port,
    db,
    prefix: uniquePrefix(),
    owned: false,
    pid: () => undefined,
    stop: notOwned,
    restart: notOwned,
    close: () => Promise.resolve()
  }
}
