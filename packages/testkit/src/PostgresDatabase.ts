/**
 * Private PostgreSQL databases for tests: `createOwned` creates a database with
 * a unique name on the test server and `drop` removes it, so tests never touch
 * a database they did not create. The server is `postgres://postgres@127.0.0.1:5432`
 * (trust auth, as on Herald's CI machines) unless `HERALD_TEST_POSTGRES_URL`
 * names another (its database is only used to connect for CREATE and DROP).
 *
 * Uses the `psql` client, so the testkit needs no driver: where `psql` or the
 * server is missing, `isAvailable` is false and tests skip, saying why.
 */
import { execFile, execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { promisify } from "node:util"

const run = promisify(execFile)

/** The environment variable that points tests at another PostgreSQL server. */
export const URL_VARIABLE = "HERALD_TEST_POSTGRES_URL"

/** The test server's URL: `HERALD_TEST_POSTGRES_URL`, else `postgres://postgres@127.0.0.1:5432/postgres`. */
export const serverUrl = (): string => {
  const configured = process.env[URL_VARIABLE] ?? ""
  return configured === "" ? "postgres://postgres@127.0.0.1:5432/postgres" : configured
}

/** What to put in a skipped test's name when `isAvailable` is false. */
export const skipReason = `(needs psql and PostgreSQL at ${URL_VARIABLE} or 127.0.0.1:5432)`

/** Whether `psql` runs and the test server answers a query (synchronous, for `describe.skipIf`). */
export const isAvailable = (): boolean => {
  try {
    execFileSync("psql", [serverUrl(), "-Atqc", "SELECT 1"], { stdio: "ignore", timeout: 15_000 })
    return true
  } catch {
    return false
  }
}

/** A database this process created: its name, a URL to connect to it, and `drop`. */
export interface OwnedDatabase {
  readonly name: string
  /** The server's URL with this database in its path. */
  readonly url: string
  /** Drops the database, closing any connection still open to it. */
  readonly drop: () => Promise<void>
}

const psql = (sql: string) => run("psql", [serverUrl(), "-Atq", "-v", "ON_ERROR_STOP=1", "-c", sql])

/** Creates a database named `herald_test_<random>` on the test server. */
export const createOwned = async (): Promise<OwnedDatabase> => {
  // Lowercase letters and digits only: a plain identifier, nothing to quote.
  const name = `herald_test_${randomBytes(8).toString("hex")}`
  await psql(`CREATE DATABASE ${name}`)
  const url = new URL(serverUrl())
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  }
}
