import { HttpClientError, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "vitest"
import { Errors } from "../src/index.js"
import { runHerald, withKey } from "./support/FakeHerald.js"

const refusal = (status: number, error: string, message: string, extra: object = {}) => ({
  status,
  body: { status_code: status, error, message, retryable: false, ...extra }
})

describe("Errors.describe", () => {
  it("names the URL and asks whether Herald is running when the connection is refused", () => {
    const error = new HttpClientError.RequestError({
      request: HttpClientRequest.get("http://127.0.0.1:8080/v1/webhooks"),
      reason: "Transport",
      cause: new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) })
    })
    expect(Errors.describe(error)).toBe(
      "Nothing answers at http://127.0.0.1:8080 (connection refused): is Herald running? Start it with `npm start`, or point --url / HERALD_URL at it."
    )
    expect(Errors.exitCode(error)).toBe(1)
  })

  it("sees a refusal inside an AggregateError (every address of a name tried, each refused)", () => {
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: "ECONNREFUSED" })
    const error = new HttpClientError.RequestError({
      request: HttpClientRequest.get("http://localhost:8080/v1/webhooks"),
      reason: "Transport",
      cause: new TypeError("fetch failed", { cause: new AggregateError([refused("::1:8080"), refused("127.0.0.1:8080")]) })
    })
    expect(Errors.describe(error)).toMatch(/^Nothing answers at http:\/\/localhost:8080 \(connection refused\)/)
  })

  it("gives another transport failure's own cause", () => {
    const error = new HttpClientError.RequestError({
      request: HttpClientRequest.get("http://herald.invalid/v1/webhooks"),
      reason: "Transport",
      cause: new TypeError("fetch failed", { cause: new Error("getaddrinfo ENOTFOUND herald.invalid") })
    })
    expect(Errors.describe(error)).toContain("Could not reach Herald at http://herald.invalid: getaddrinfo ENOTFOUND herald.invalid")
  })
})

describe("a refusal, as the command reports it", () => {
  it("401: the key was refused, exit 1", async () => {
    const { code, stderr, stdout } = await runHerald(["webhooks", "list"], {
      env: withKey,
      routes: { "GET /v1/webhooks": refusal(401, "unauthorized", "Invalid API key") }
    })
    expect(code).toBe(1)
    expect(stdout).toBe("")
    expect(stderr).toBe("Herald refused the API key (401): Invalid API key. Check HERALD_API_KEY or --api-key.")
  })

  it("403: the key was refused for this command, with the scope it lacks", async () => {
    const { code, stderr } = await runHerald(["webhooks", "create", "--url", "https://r.test", "--events", "a"], {
      env: withKey,
      routes: {
        "POST /v1/webhooks": refusal(403, "forbidden", "This API key may not call POST /v1/webhooks: it needs the `webhooks:write` scope, and has `webhooks:read`", {
          details: { required_scopes: ["webhooks:write"], key_scopes: ["webhooks:read"] }
        })
      }
    })
    expect(code).toBe(1)
    expect(stderr).toContain("Herald refused the API key for this command (403): This API key may not call POST /v1/webhooks")
    expect(stderr).toContain("Missing scope: webhooks:write.")
  })

  it("404 and 400: the API's message (and mitigation), exit 1", async () => {
    const notFound = await runHerald(["events", "get", "evt_none"], { env: withKey })
    expect(notFound.code).toBe(1)
    expect(notFound.stderr).toBe("Herald answered 404: No route /v1/events/evt_none.")
    const bad = await runHerald(["trigger", "order.created", "--data", "{}"], {
      env: withKey,
      routes: {
        "POST /v1/events": refusal(400, "invalid_request", "Unknown event type order.created", { mitigation: "Register it first" })
      }
    })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe("Herald answered 400: Unknown event type order.created. Register it first.")
  })

  it("an answer that is not Herald's: says so, without a trace", async () => {
    const { code, stderr } = await runHerald(["webhooks", "list"], {
      env: withKey,
      routes: { "GET /v1/webhooks": { status: 200, body: { hello: "world" } } }
    })
    expect(code).toBe(1)
    expect(stderr).toContain("The answer did not match Herald's API as this command knows it")
    expect(stderr).not.toContain("    at ")
  })

  it("usage errors exit 2: an unknown subcommand, a missing argument", async () => {
    expect((await runHerald(["bogus"], { env: withKey })).code).toBe(2)
    expect((await runHerald(["events", "get"], { env: withKey })).code).toBe(2)
  })
})
