/**
 * `GET /readyz` through the real app on every backend: 200 naming each dependency of the stores and
 * the queue while they answer, 503 naming the one that does not (the test's own Redis stopped, its
 * own database refusing connections), and 200 again once it is back. Needs no API key, and says
 * nothing but each dependency's state.
 */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { PostgresDatabase } from "@herald/testkit"
import { afterEach, describe, expect, it } from "vitest"
import { type Backend, backends, type RunningApp, start } from "./support/Harness.js"

const run = promisify(execFile)

const readyz = async (app: RunningApp) => {
  const response = await fetch(`${app.baseUrl}/readyz`, { signal: AbortSignal.timeout(20_000) })
  return { status: response.status, body: await response.json() as unknown }
}

/** Asks until `readyz` answers `status`, at most `tries` times, a quarter second apart. */
const readyzUntil = async (app: RunningApp, status: number, tries = 80) => {
  let last = await readyz(app)
  for (let i = 1; i < tries && last.status !== status; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    last = await readyz(app)
  }
  return last
}

/** What each backend's process depends on. */
const dependencies: Record<Backend, ReadonlyArray<string>> = {
  memory: [],
  redis: ["queue", "redis"],
  "redis-cluster": ["queue", "redis"],
  postgres: ["postgres", "queue", "redis"]
}

const allOk = (names: ReadonlyArray<string>) => Object.fromEntries(names.map((name) => [name, "ok"]))

let app: RunningApp | undefined
afterEach(async () => {
  if (app?.database !== undefined) {
    await run("psql", [PostgresDatabase.serverUrl(), "-Atq", "-c", `ALTER DATABASE ${app.database.name} WITH ALLOW_CONNECTIONS true`])
  }
  await app?.close()
  app = undefined
})

describe.each(backends)("GET /readyz on %s", (backend) => {
  it("answers 200 with each dependency ok, without an API key", async () => {
    app = await start({ backend })
    expect(await readyz(app)).toEqual({ status: 200, body: { status: "ready", dependencies: allOk(dependencies[backend]) } })
    // Liveness is unchanged.
    expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200)
  })
})

describe.skipIf(!backends.includes("redis"))("GET /readyz when Redis stops", () => {
  it("answers 503 naming Redis and the queue, and 200 once Redis is back", async () => {
    app = await start({ backend: "redis" })
    const redis = app.redis
    if (redis === undefined) throw new Error("the redis backend's Redis is not the test's own")
    await redis.stop()
    // Each probe is given 2 seconds: the answer comes within them, whatever hangs.
    expect(await readyzUntil(app, 503)).toEqual({
      status: 503,
      body: { status: "unavailable", dependencies: { queue: "down", redis: "down" } }
    })
    await redis.restart()
    expect(await readyzUntil(app, 200)).toEqual({ status: 200, body: { status: "ready", dependencies: allOk(dependencies.redis) } })
  }, 60_000)
})

describe.skipIf(!backends.includes("postgres"))("GET /readyz when PostgreSQL refuses connections", () => {
  it("answers 503 naming PostgreSQL alone, and 200 once it is back", async () => {
    app = await start({ backend: "postgres", databaseTimeouts: { connectTimeoutMs: 1_000 } })
    const name = app.database!.name
    const admin = (sql: string) => run("psql", [PostgresDatabase.serverUrl(), "-Atq", "-v", "ON_ERROR_STOP=1", "-c", sql])
    await admin(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`)
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`)
    expect(await readyzUntil(app, 503)).toEqual({
      status: 503,
      body: { status: "unavailable", dependencies: { postgres: "down", queue: "ok", redis: "ok" } }
    })
    await admin(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`)
    expect(await readyzUntil(app, 200)).toEqual({
      status: 200,
      body: { status: "ready", dependencies: allOk(dependencies.postgres) }
    })
  }, 60_000)
})
