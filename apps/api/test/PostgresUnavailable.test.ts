/**
 * PostgreSQL failing under a running API: a publish answers a 500 in the
 * profile's error shape, soon, rather than holding the request, and publishes
 * succeed again once the database is back. Two failures: the database refuses
 * connections (its connections terminated, new ones not allowed), and the
 * database hangs (a lock held elsewhere blocks the publish's insert until the
 * statement timeout cancels it). No timed assertion: a hang would fail the
 * request's own abort signal, well under the test's timeout.
 */
import { execFile, spawn } from "node:child_process"
import { promisify } from "node:util"
import { PostgresDatabase } from "@herald/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, backends, type RunningApp, start } from "./support/Harness.js"

const run = promisify(execFile)

/** Runs `sql` as the test server's administrator (on its own database, not the app's). */
const admin = (sql: string) => run("psql", [PostgresDatabase.serverUrl(), "-Atq", "-v", "ON_ERROR_STOP=1", "-c", sql])

/** A publish through the API, given up on after 20 s (the app's bounds are far shorter). */
const publish = async (app: RunningApp) => {
  const response = await fetch(`${app.baseUrl}/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
    body: JSON.stringify({ event_type: "batch_prediction.completed", data: { n: 1 } }),
    signal: AbortSignal.timeout(20_000)
  })
  const text = await response.text()
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) as unknown }
}

/** Publishes until one is accepted (the pool reconnecting), at most `tries` times, a quarter second apart. */
const publishUntilAccepted = async (app: RunningApp, tries = 40) => {
  let last = await publish(app)
  for (let i = 1; i < tries && last.status !== 202; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    last = await publish(app)
  }
  return last
}

const internalError = { status_code: 500, error: "internal_error", retryable: true }

/**
 * A psql session holding `LOCK TABLE ... IN ACCESS EXCLUSIVE MODE` on `table` of `url` in an open
 * transaction, until `release`.
 */
const holdLock = async (url: string, table: string) => {
  const session = spawn("psql", [url, "-Atq", "-v", "ON_ERROR_STOP=1"], { stdio: ["pipe", "pipe", "inherit"] })
  const locked = new Promise<void>((resolve, reject) => {
    let output = ""
    session.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
      if (output.includes("locked")) resolve()
    })
    session.once("exit", (code) => reject(new Error(`psql exited (${code}) before taking the lock`)))
  })
  session.stdin.write(`BEGIN;\nLOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked';\n`)
  await locked
  return {
    release: () =>
      new Promise<void>((resolve) => {
        session.once("exit", () => resolve())
        session.stdin.end("ROLLBACK;\n\\q\n")
      })
  }
}

describe.skipIf(!backends.includes("postgres"))("on postgres, when PostgreSQL fails", () => {
  let app: RunningApp
  beforeAll(async () => {
    app = await start({ backend: "postgres", databaseTimeouts: { connectTimeoutMs: 1_000, statementTimeoutMs: 1_000 } })
  })
  afterAll(async () => {
    // Whatever a failed test left: connections allowed again, so the harness can drop the database.
    if (app.database !== undefined) await admin(`ALTER DATABASE ${app.database.name} WITH ALLOW_CONNECTIONS true`)
    await app.close()
  })

  it("a publish while the database refuses connections is a 500 in the profile's shape; accepted again once it is back", async () => {
    const name = app.database!.name
    expect((await publish(app)).status).toBe(202)
    await admin(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`)
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`)
    const refused = await publish(app)
    expect(refused.status).toBe(500)
    expect(refused.body).toMatchObject(internalError)
    await admin(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`)
    expect((await publishUntilAccepted(app)).status).toBe(202)
  }, 60_000)

  it("a publish blocked by a lock the database never grants is a 500 once the statement timeout cancels it", async () => {
    expect((await publish(app)).status).toBe(202)
    const lock = await holdLock(app.database!.url, "herald_event_keys")
    try {
      const blocked = await publish(app)
      expect(blocked.status).toBe(500)
      expect(blocked.body).toMatchObject(internalError)
    } finally {
      await lock.release()
    }
    expect((await publishUntilAccepted(app)).status).toBe(202)
  }, 60_000)
})
