import { describe, expect, it } from "vitest"
import { api, ApiError, caller, SessionExpired } from "../src/site/Api.js"
import { fakeFetch } from "./support/FakeFetch.js"

describe("caller", () => {
  it("sends the token as a Bearer, under the API root, with a JSON body", async () => {
    const { fetcher, seen } = fakeFetch(() => ({ status: 200, body: { id: "wh_1" } }))
    const call = caller("/herald", "hps_t", () => {}, fetcher)
    await expect(call("PATCH", "/v1/webhooks/wh_1", { enabled: false })).resolves.toEqual({ id: "wh_1" })
    expect(seen).toEqual([{
      method: "PATCH",
      url: "/herald/v1/webhooks/wh_1",
      headers: { accept: "application/json", authorization: "Bearer hps_t", "content-type": "application/json" },
      body: { enabled: false }
    }])
  })

  it("sends it as x-api-key for the Exa profile's routes", async () => {
    const { fetcher, seen } = fakeFetch(() => ({ status: 200, body: {} }))
    await caller("", "hps_t", () => {}, fetcher)("POST", "/websets/v0/webhooks", {}, "x-api-key")
    expect(seen[0]!.headers["x-api-key"]).toBe("hps_t")
    expect(seen[0]!.headers["authorization"]).toBeUndefined()
  })

  it("calls onExpired on a 401 and rejects with SessionExpired", async () => {
    const { fetcher } = fakeFetch(() => ({ status: 401, body: { message: "expired" } }))
    let expired = 0
    const call = caller("", "hps_t", () => expired++, fetcher)
    await expect(call("GET", "/v1/webhooks")).rejects.toBeInstanceOf(SessionExpired)
    expect(expired).toBe(1)
  })

  it("rejects with the server's words on any other error", async () => {
    const { fetcher } = fakeFetch(() => ({ status: 429, body: { message: "slow down" }, headers: { "retry-after": "7" } }))
    const error = await caller("", "hps_t", () => {}, fetcher)("GET", "/v1/webhooks").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).report).toEqual({ status: 429, message: "Too many requests: wait 7 seconds, then try again.", fields: {} })
  })

  it("takes an empty answer (204) as undefined", async () => {
    const { fetcher } = fakeFetch(() => ({ status: 204 }))
    await expect(caller("", "t", () => {}, fetcher)("DELETE", "/v1/webhooks/wh_1")).resolves.toBeUndefined()
  })

  it("says the network failed when fetch throws", async () => {
    const failing = (async () => {
      throw new TypeError("Failed to fetch")
    }) as typeof fetch
    const error = await caller("", "t", () => {}, failing)("GET", "/v1/webhooks").catch((e: unknown) => e)
    expect((error as ApiError).report.status).toBe(0)
  })
})

describe("api", () => {
  it("builds the portal's paths and queries", async () => {
    const { fetcher, seen } = fakeFetch(() => ({ status: 200, body: { data: [], next_cursor: null } }))
    const portal = api(caller("", "t", () => {}, fetcher))
    await portal.attempts("wh_1", { failedOnly: true, cursor: "c1" })
    await portal.attempts("wh_1", { limit: 50 })
    await portal.eventTypes("diga")
    await portal.redeliver("evt 1", "wh_1")
    await portal.recover("wh_1", "2026-12-01T00:00:00.000Z")
    await portal.rotateSecret("wh_1", 3600)
    await portal.revealSecret("wh_1")
    await portal.sendTest("wh_1")
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /v1/webhooks/wh_1/attempts?limit=20&cursor=c1&successful=false",
      "GET /v1/webhooks/wh_1/attempts?limit=50",
      "GET /v1/event-types?profile=diga&limit=100",
      "POST /v1/events/evt%201/redeliver",
      "POST /v1/webhooks/wh_1/recover",
      "POST /v1/webhooks/wh_1/rotate-secret",
      "GET /v1/webhooks/wh_1/secret",
      "POST /v1/webhooks/wh_1/test"
    ])
    expect(seen[3]!.body).toEqual({ webhook_id: "wh_1" })
    expect(seen[4]!.body).toEqual({ since: "2026-12-01T00:00:00.000Z" })
    expect(seen[5]!.body).toEqual({ overlap_seconds: 3600 })
  })
})
