/**
 * API protection with two built API processes on one private Redis, as
 * production runs it: the rate limit holds across both (the headers count down
 * whichever process answers, a burst split between them lets exactly the limit
 * through, and the window frees slots again in real time), and keys made with the
 * built keys command (`apps/api/dist/admin.js`) work on both at once with their
 * scopes, until revoked (refused by both within a second: each caches the keys
 * it accepted and drops one when the revoke is published).
 *
 * Real time, so every assertion is about counts: the window is short (5 s) but
 * long against a burst of local requests; the wait for it is what `Retry-After`
 * says, and the test only claims that one request then fits.
 */
import { RedisServer } from "@herald/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Processes from "./support/Processes.js"

const API_KEY = "api-protection-key-0123456789"
const TEAMSPACE = "guarded"
const LIMIT = 5
const WINDOW_SECONDS = 5

const { canRun, why } = Processes.prerequisites({ admin: true })

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: Record<string, unknown>
}

const call = async (url: string, key: string, method: string, path: string, body?: unknown): Promise<Answer> => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000)
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === "" ? {} : JSON.parse(text) }
}

/** Runs the built keys command; its output, stdout and stderr apart. */
const keys = (env: Record<string, string>, ...args: ReadonlyArray<string>) =>
  Processes.runCommand(Processes.adminMain, env, args)

describe.skipIf(!canRun)(`API protection across two API processes on one Redis${why}`, () => {
  let redis: RedisServer.RedisInstance | undefined
  let a: Processes.ApiProcess | undefined
  let b: Processes.ApiProcess | undefined
  let redisEnv: Record<string, string> = {}
  const children = () => [a, b]

  beforeAll(async () => {
    redis = await RedisServer.start()
    const shared: Processes.Shared = { redisUrl: redis.url, tag: Processes.uniqueTag(), retrySchedule: "0s" }
    redisEnv = { REDIS_URL: redis.url, HERALD_REDIS_PREFIX: `${shared.tag}:` }
    const env = {
      HERALD_RATE_LIMITS: `default=${LIMIT}`,
      HERALD_RATE_LIMIT_WINDOW: `${WINDOW_SECONDS} seconds`
    }
    await Processes.dumpingOnFailure(children, async () => {
      ;[a, b] = await Promise.all([
        Processes.startApi(shared, { apiKey: API_KEY, teamspace: TEAMSPACE, env }),
        Processes.startApi(shared, { apiKey: API_KEY, teamspace: TEAMSPACE, env })
      ])
    })
  }, 120_000)

  afterAll(async () => {
    await Processes.stopAll(children())
    await redis?.close()
  }, 60_000)

  const onFailure = <A>(test: () => Promise<A>) => Processes.dumpingOnFailure(children, test)

  it("the headers count down across both processes; over the limit both refuse with the seed's 429; the window frees slots again", () =>
    onFailure(async () => {
      const urls = [a!.url, b!.url]
      const answers: Array<Answer> = []
      for (let i = 0; i < LIMIT + 2; i++) answers.push(await call(urls[i % 2]!, API_KEY, "GET", "/v1/webhooks"))
      expect(answers.map((answer) => [answer.status, answer.headers.get("x-ratelimit-remaining")])).toEqual([
        [200, "4"],
        [200, "3"],
        [200, "2"],
        [200, "1"],
        [200, "0"],
        [429, "0"],
        [429, "0"]
      ])
      for (const answer of answers) expect(answer.headers.get("x-ratelimit-limit")).toBe(String(LIMIT))
      const refused = answers.at(-1)!
      const retryAfter = Number(refused.headers.get("retry-after"))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS)
      expect(refused.body).toEqual({
        status_code: 429,
        statusCode: 429,
        error: "rate_limit_exceeded",
        message: `Rate limit exceeded: at most ${LIMIT} GET /v1/webhooks requests per ${WINDOW_SECONDS} seconds per teamspace`,
        mitigation: expect.stringContaining("Retry-After"),
        retryable: true,
        details: { reason: expect.stringContaining(`made ${LIMIT} GET /v1/webhooks requests`) }
      })

      // After Retry-After, the oldest request has left the window (on either process).
      await Processes.sleep(retryAfter * 1000 + 100)
      const again = await call(b!.url, API_KEY, "GET", "/v1/webhooks")
      expect(again.status).toBe(200)
    }), 60_000)

  it("a concurrent burst split between the processes lets exactly the limit through", () =>
    onFailure(async () => {
      const burst = await Promise.all(
        Array.from({ length: 16 }, (_, i) => call(i % 2 === 0 ? a!.url : b!.url, API_KEY, "GET", "/v1/events"))
      )
      const allowed = burst.filter((answer) => answer.status === 200)
      expect(allowed).toHaveLength(LIMIT)
      expect(burst.filter((answer) => answer.status === 429)).toHaveLength(16 - LIMIT)
      expect(allowed.map((answer) => answer.headers.get("x-ratelimit-remaining")).sort()).toEqual(["0", "1", "2", "3", "4"])
    }), 60_000)

  it("a key made with the keys command works on both processes with its scopes, until revoked everywhere", () =>
    onFailure(async () => {
      const created = await keys(redisEnv, "create", "--teamspace", "ops", "--scopes", "read", "--label", "e2e")
      expect(created.status, created.stderr).toBe(0)
      const key = created.stdout.trim()
      expect(key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/)
      const id = /Created API key ([0-9a-f]{12}) for teamspace "ops" with scopes read \(label "e2e"\)/.exec(created.stderr)?.[1]
      expect(id, created.stderr).toBeDefined()
      expect(created.stderr).not.toContain(key)

      expect((await call(a!.url, key, "GET", "/v1/webhooks")).status).toBe(200)
      const forbidden = await call(b!.url, key, "POST", "/v1/webhooks", {
        url: "https://example.com/hook",
        events: ["batch_prediction.completed"]
      })
      expect(forbidden.status).toBe(403)
      expect(forbidden.body).toMatchObject({ error: "forbidden", details: { required_scopes: ["webhooks:write"], key_scopes: ["read"] } })

      const listed = await keys(redisEnv, "list", "--teamspace", "ops")
      expect(listed.status).toBe(0)
      expect(listed.stdout).toMatch(new RegExp(`^${id}  read\\s`, "m"))
      expect(listed.stdout).not.toContain(key)

      const revoked = await keys(redisEnv, "revoke", id!)
      expect(revoked.status, revoked.stderr).toBe(0)
      // The promise is a second (README, "API keys and scopes"); polled, so it is a limit, not a timing.
      const deadline = Date.now() + 1_000
      const statuses = async () =>
        Promise.all([a!, b!].map(async (api) => (await call(api.url, key, "GET", "/v1/webhooks")).status))
      let seen = await statuses()
      while (seen.some((status) => status !== 401) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        seen = await statuses()
      }
      expect(seen).toEqual([401, 401])
      expect((await keys(redisEnv, "revoke", id!)).status).toBe(1)
    }), 60_000)

  it("the keys command without DATABASE_URL or REDIS_URL says there is nothing to administer", async () => {
    const result = await keys({}, "list", "--teamspace", "ops")
    expect(result.status).toBe(1)
    expect(result.stderr).toContain("neither DATABASE_URL nor REDIS_URL is set")
    expect(result.stdout).toBe("")
  })
})
