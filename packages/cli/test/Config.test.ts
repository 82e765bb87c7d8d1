import { describe, expect, it } from "vitest"
import { Config } from "../src/index.js"
import { runHerald, withKey } from "./support/FakeHerald.js"

const webhooks = { "GET /v1/webhooks": { status: 200, body: { data: [], next_cursor: null } } }

describe("the global configuration", () => {
  it("calls http://127.0.0.1:8080 with HERALD_API_KEY when nothing else is said", async () => {
    const { code, requests } = await runHerald(["webhooks", "list"], { env: withKey, routes: webhooks })
    expect(code).toBe(0)
    expect(Config.DEFAULT_URL).toBe("http://127.0.0.1:8080")
    expect(requests.map((r) => [r.url.origin, r.authorization])).toEqual([["http://127.0.0.1:8080", "Bearer hk_test_key"]])
  })

  it("takes HERALD_URL, and --url and --api-key over the environment", async () => {
    const env = { ...withKey, HERALD_URL: "http://herald.test:9000/" }
    const fromEnv = await runHerald(["webhooks", "list"], { env, routes: webhooks })
    expect(fromEnv.requests[0]?.url.href).toBe("http://herald.test:9000/v1/webhooks")
    const fromFlags = await runHerald(["--url", "http://flag.test:1234", "--api-key", "hk_flag", "webhooks", "list"], {
      env,
      routes: webhooks
    })
    expect(fromFlags.requests.map((r) => [r.url.origin, r.authorization])).toEqual([["http://flag.test:1234", "Bearer hk_flag"]])
  })

  it("takes the global options after the subcommand too", async () => {
    const { requests } = await runHerald(["webhooks", "list", "--api-key", "hk_after"], { routes: webhooks })
    expect(requests[0]?.authorization).toBe("Bearer hk_after")
  })

  it("without a key (or with an empty one), says how to give one, sends nothing and exits 2", async () => {
    for (const env of [{}, { HERALD_API_KEY: "  " }]) {
      const { code, stdout, stderr, requests } = await runHerald(["webhooks", "list"], { env, routes: webhooks })
      expect(code).toBe(2)
      expect(stderr).toContain("set HERALD_API_KEY or pass --api-key")
      expect(stdout).toBe("")
      expect(requests).toEqual([])
    }
  })
})
