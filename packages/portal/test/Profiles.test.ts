import { describe, expect, it } from "vitest"
import { api, caller } from "../src/site/Api.js"
import { profileNamed } from "../src/site/Profiles.js"
import { fakeFetch } from "./support/FakeFetch.js"

const options = { url: "https://example.com/hooks", events: ["a.b"], ordered: true, rateLimit: 5 }

const created = (url: string) =>
  url.startsWith("/v1/webhook/")
    ? { id: "019aee6f-c874-2f4f-e4a8-4b230cd4380f", url: options.url, subscribed_events: ["a.b"], created_date: "x", secret: "whsec_d" }
    : url.startsWith("/websets/")
    ? { id: "wh_E", object: "webhook", status: "active", events: ["a.b"], url: options.url, secret: "whsec_e", metadata: {} }
    : { id: "wh_D", object: "webhook", secret: "whsec_g" }

const run = async (profile: string) => {
  const { fetcher, seen } = fakeFetch((request) => ({ status: request.method === "POST" ? 201 : 200, body: created(request.url) }))
  const result = await profileNamed(profile)!.create(api(caller("", "hps_t", () => {}, fetcher)), options)
  return { result, seen: seen.map((r) => ({ method: r.method, url: r.url, body: r.body, apiKey: r.headers["x-api-key"] })) }
}

describe("creating through the session's profile", () => {
  it("datagrid: one POST with the delivery options", async () => {
    const { result, seen } = await run("datagrid")
    expect(result).toEqual({ id: "wh_D", secret: "whsec_g" })
    expect(seen).toEqual([{
      method: "POST",
      url: "/v1/webhooks",
      body: { url: options.url, events: ["a.b"], ordered: true, rate_limit: 5 },
      apiKey: undefined
    }])
  })

  it("exa: its own route with x-api-key, then a Datagrid PATCH for the delivery options", async () => {
    const { result, seen } = await run("exa")
    expect(result).toEqual({ id: "wh_E", secret: "whsec_e" })
    expect(seen).toEqual([
      { method: "POST", url: "/websets/v0/webhooks", body: { url: options.url, events: ["a.b"] }, apiKey: "hps_t" },
      { method: "PATCH", url: "/v1/webhooks/wh_E", body: { ordered: true, rate_limit: 5 }, apiKey: undefined }
    ])
  })

  it("diga: its own route, then the PATCH on the wh_ id its UUID stands for", async () => {
    const { result, seen } = await run("diga")
    expect(result).toEqual({ id: "wh_01KBQ6ZJ3M5X7Y9A2B4C6D8E0F", secret: "whsec_d" })
    expect(seen).toEqual([
      { method: "POST", url: "/v1/webhook/", body: { url: options.url, subscribed_events: ["a.b"] }, apiKey: undefined },
      { method: "PATCH", url: "/v1/webhooks/wh_01KBQ6ZJ3M5X7Y9A2B4C6D8E0F", body: { ordered: true, rate_limit: 5 }, apiKey: undefined }
    ])
  })

  it("sends no PATCH when no delivery option was chosen", async () => {
    const { fetcher, seen } = fakeFetch((request) => ({ status: 200, body: created(request.url) }))
    await profileNamed("diga")!.create(api(caller("", "t", () => {}, fetcher)), { ...options, ordered: false, rateLimit: undefined })
    expect(seen.map((r) => r.method)).toEqual(["POST"])
  })

  it("knows no other profile", () => {
    expect(profileNamed("other")).toBeUndefined()
    expect(profileNamed("toString")).toBeUndefined()
  })
})

describe("verification samples", () => {
  it("show @herald/verify first, then the third-party library, with the secret", () => {
    const stripeStyle = profileNamed("exa")!.samples("whsec_x")
    expect(stripeStyle.map((s) => s.title)).toEqual(["@herald/verify (Node.js)", "Stripe's library (the same t=,v1= scheme)"])
    expect(stripeStyle[0]!.code).toContain('req.headers["exa-signature"]')
    expect(stripeStyle[1]!.code).toContain("stripe.webhooks.constructEvent(")
    const standard = profileNamed("diga")!.samples("whsec_y")
    expect(standard[0]!.code).toContain("verifyAndParseStandardWebhook")
    expect(standard[1]!.code).toContain('new Webhook("whsec_y")')
  })
})

describe("a creation whose delivery options fail", () => {
  it("still gives the webhook and its secret, with what went wrong", async () => {
    const { fetcher } = fakeFetch((request) =>
      request.method === "PATCH"
        ? { status: 400, body: { status_code: 400, error: "invalid_request", message: "rate_limit must be at most 10000", retryable: false } }
        : { status: 200, body: created(request.url) }
    )
    const result = await profileNamed("exa")!.create(api(caller("", "t", () => {}, fetcher)), options)
    expect(result).toEqual({ id: "wh_E", secret: "whsec_e", optionsFailed: "rate_limit must be at most 10000" })
  })
})
