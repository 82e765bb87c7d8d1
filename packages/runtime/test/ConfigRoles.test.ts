/**
 * A process reads the variables its role needs, as README's "read by" column
 * says: the worker role (`HERALD_ROLE=worker`) neither reads nor checks the
 * API's (port, timeouts, request log, keys, rate and body limits), so a value
 * meant for the API processes cannot stop a worker; the roles that serve HTTP
 * read and check them all.
 */
import { ConfigProvider, Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Environment from "../src/Environment.js"

const read = (env: Record<string, string>, role?: Environment.Role) =>
  Effect.runSync(
    Effect.either(Environment.read(role).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))))
  )

const REDIS = { REDIS_URL: "redis://127.0.0.1:1" }

/** A bad value for each API-only variable, and the body limit under the (default) event data limit. */
const API_ONLY: ReadonlyArray<readonly [string, string]> = [
  ["PORT", "eighty"],
  ["HERALD_HEADERS_TIMEOUT", "soon"],
  ["HERALD_REQUEST_TIMEOUT", "soon"],
  ["HERALD_REQUEST_LOG", "loud"],
  ["HERALD_API_KEYS", "short=acme"],
  ["HERALD_RATE_LIMITS", "GET /nowhere=5"],
  ["HERALD_MAX_BODY_BYTES", "1000"]
]

describe("the configuration by role", () => {
  it.each(API_ONLY)("%s=%s stops the api and all roles, not the worker", (name, value) => {
    for (const role of ["api", "all"]) {
      const result = read({ ...REDIS, HERALD_ROLE: role, [name]: value })
      expect(Either.isLeft(result) && String(result.left)).toContain(name)
    }
    const worker = read({ ...REDIS, HERALD_ROLE: "worker", [name]: value })
    expect(Either.isRight(worker) && worker.right.role).toBe("worker")
  })

  it("the worker role still reads what a worker needs", () => {
    const result = read({ ...REDIS, HERALD_ROLE: "worker", HERALD_RETRY_SCHEDULE: "soon" })
    expect(Either.isLeft(result) && String(result.left)).toContain("HERALD_RETRY_SCHEDULE")
  })

  it("the worker entry point (apps/worker) is the worker role whatever HERALD_ROLE says, and says it needs REDIS_URL", () => {
    const worker = read({ ...REDIS, HERALD_ROLE: "api", PORT: "eighty" }, "worker")
    expect(Either.isRight(worker) && worker.right.role).toBe("worker")
    const noRedis = read({}, "worker")
    expect(Either.isLeft(noRedis) && String(noRedis.left)).toContain("REDIS_URL is not set: the worker delivers from the queue on Redis")
    const apiRole = read({ HERALD_ROLE: "api" })
    expect(Either.isLeft(apiRole) && String(apiRole.left)).toContain("HERALD_ROLE=api needs REDIS_URL")
  })
})
