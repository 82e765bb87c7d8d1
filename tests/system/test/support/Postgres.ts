/**
 * PostgreSQL beside Redis for the system tests: a private Redis and a database
 * of the test's own (testkit's `RedisServer`, `PostgresDatabase`), and the few
 * direct looks at that database a test makes, through `psql` as the testkit
 * does (the system tests need no driver): a query's rows, and a row lock held
 * open until the test lets it go (a way to stop a process's statement at a
 * chosen point without touching its code).
 */
import { execFile, spawn } from "node:child_process"
import { promisify } from "node:util"
import { PostgresDatabase, RedisServer } from "@herald/testkit"

const run = promisify(execFile)

/** A private Redis (`url`) and a database (`databaseUrl`), closed and dropped by `close`. */
export interface RedisAndDatabase {
  readonly url: string
  readonly databaseUrl: string
  readonly close: () => Promise<void>
}

/** Starts a private Redis and creates a database of the test's own, side by side. */
export const startWithRedis = async (): Promise<RedisAndDatabase> => {
  const [redis, database] = await Promise.all([RedisServer.start(), PostgresDatabase.createOwned()])
  return {
    url: redis.url,
    databaseUrl: database.url,
    close: async () => {
      await redis.close()
      await database.drop()
    }
  }
}

/** The rows `sql` returns on `databaseUrl`, each as its columns' text (NULL as ""). */
export const query = async (databaseUrl: string, sql: string): Promise<Array<Array<string>>> => {
  const { stdout } = await run("psql", [databaseUrl, "-Atq", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
    timeout: 30_000
  })
  return stdout.split("\n").filter((line) => line !== "").map((line) => line.split("\t"))
}

/** The single number `sql` returns. */
export const count = async (databaseUrl: string, sql: string): Promise<number> => {
  const rows = await query(databaseUrl, sql)
  const value = Number(rows[0]?.[0])
  if (rows.length !== 1 || !Number.isFinite(value)) throw new Error(`expected one number from ${sql}, got ${JSON.stringify(rows)}`)
  return value
}

/** A transaction held open by a `psql` session of the test's; `release` commits it. */
export interface HeldLock {
  /** How many rows the locking statement returned. */
  readonly rows: number
  readonly release: () => Promise<void>
}

const HELD = "lock-held"

/**
 * Opens a transaction on `databaseUrl`, runs `lockSql` in it (a `SELECT ... FOR UPDATE`, a `LOCK
 * TABLE`) and keeps it open: statements of other sessions that need those locks wait until
 * `release`. The session is a `psql` fed through its standard input, so the lock is taken when
 * this resolves and let go only by `release` (or when this process exits).
 */
export const holdLock = async (databaseUrl: string, lockSql: string, timeoutMs = 30_000): Promise<HeldLock> => {
  const child = spawn("psql", [databaseUrl, "-Atq", "-v", "ON_ERROR_STOP=1"], { stdio: ["pipe", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
  child.stdin.write(`BEGIN;\nSELECT count(*) FROM (${lockSql}) AS locked;\n\\echo ${HELD}\n`)
  const held = await Promise.race([
    new Promise<boolean>((resolve) => {
      const look = () => {
        if (stdout.includes(HELD)) resolve(true)
        else setTimeout(look, 20)
      }
      look()
    }),
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs))
  ])
  if (!held) {
    child.kill("SIGKILL")
    throw new Error(`psql did not take the lock (${lockSql}): ${stderr}${stdout}`)
  }
  const rows = Number(stdout.split("\n")[0])
  return {
    rows,
    release: async () => {
      child.stdin.end("COMMIT;\n")
      const status = await exited
      if (status !== 0) throw new Error(`psql holding the lock ended with ${status}: ${stderr}`)
    }
  }
}
