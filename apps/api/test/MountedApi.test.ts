/**
 * Herald's API mounted in an application's own Node server under
 * `/webhooks-api` (`NodeHandler`), beside the application's `GET /hello`: the
 * application's route still answers; the official SDKs, pointed at the
 * prefixed base URL, manage webhooks; deliveries are signed; every refusal is
 * the one Herald's own server gives (compared with a second app, at the root);
 * rate limits and scopes are the routes' own; the docs page and the OpenAPI
 * document are served under the prefix and point into it; and a path outside
 * the prefix is a 404 saying where the API is. On the memory backend only:
 * mounting is the same code path whatever the stores.
 */
import { verifySignature } from "@herald/verify"
import { TestReceiver } from "@herald/testkit"
import Datagrid from "datagrid-ai"
import { Redacted } from "effect"
import { EventType, Exa } from "exa-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HeraldApi } from "@herald/http/Contract"
import * as Protection from "@herald/http/edge/Protection"
import * as RateLimiting from "@herald/http/edge/RateLimiting"
import { checkDocsPage } from "./support/DocsPageCheck.js"
import { HELLO, KEY_ACME, KEY_GLOBEX, lenientProtection, type RunningApp, start } from "./support/Harness.js"
import type { Ids } from "@herald/core"

const PREFIX = "/webhooks-api"
const KEY_READ_ONLY = "hk_test_mount_readonly_0123456789abcdef"

let mounted: RunningApp
let root: RunningApp
const receivers: Array<TestReceiver.RunningReceiver> = []

beforeAll(async () => {
  const protection: Protection.Settings = {
    ...lenientProtection,
    // One route with a tight limit, named by its own path as HERALD_RATE_LIMITS names it.
    rateLimits: RateLimiting.make(Protection.routesOf(HeraldApi), {
      limits: { default: 1_000_000, "POST /v1/webhooks/{webhook_id}/rotate-secret": 1 }
    })
  }
  const apiKeys = [[Redacted.make(KEY_READ_ONLY), "acme" as Ids.TeamspaceId, ["read"]] as const]
  ;[mounted, root] = await Promise.all([start({ mount: PREFIX, protection, apiKeys }), start({ protection, apiKeys })])
})
afterAll(async () => {
  await Promise.all([...receivers.map((receiver) => receiver.close()), mounted.close(), root.close()])
})

interface Answer {
  readonly status: number
  readonly allow: string | null
  readonly body: unknown
}

/** A request with a JSON body (or none), answered with its status, `Allow` and JSON body. */
const call = async (
  base: string,
  method: string,
  path: string,
  options: { readonly headers?: Record<string, string>; readonly body?: string } = {}
): Promise<Answer> => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json", ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body })
  })
  const text = await response.text()
  return { status: response.status, allow: response.headers.get("allow"), body: text === "" ? undefined : JSON.parse(text) }
}

/** The same answer with a request id (Exa's bodies have one) made comparable. */
const comparable = ({ body, ...answer }: Answer) => ({
  ...answer,
  body: typeof body === "object" && body !== null && "requestId" in body ? { ...body, requestId: "req" } : body
})

/** What a path nothing serves says, mounted: where the docs are, under the prefix. */
const NOT_FOUND = `No such endpoint: the endpoints are listed at ${PREFIX}/docs (and in ${PREFIX}/openapi.json)`

/** Datagrid's 404 for such a path (the default profile's, and any path outside the prefix). */
const notFound: Answer = {
  status: 404,
  allow: null,
  body: { status_code: 404, error: "not_found", message: NOT_FOUND, retryable: false }
}

const hook = { url: "https://example.com/mounted", events: ["batch_prediction.completed" as const] }

describe("an application's server with Herald mounted at /webhooks-api", () => {
  it("still answers its own routes", async () => {
    const response = await fetch(`${mounted.origin}/hello`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(HELLO)
  })

  it("serves the Datagrid SDK pointed at the prefixed base URL: a webhook created and listed back", async () => {
    const client = new Datagrid({ apiKey: KEY_GLOBEX, baseURL: `${mounted.baseUrl}/v1`, maxRetries: 0 })
    const created = await client.webhooks.create(hook)
    expect(created).toMatchObject({ object: "webhook", url: hook.url, events: hook.events, enabled: true })
    expect(created.secret).toMatch(/^whsec_/)
    const listed: Array<string> = []
    for await (const webhook of client.webhooks.list()) listed.push(webhook.id)
    expect(listed).toContain(created.id)
    expect(await client.webhooks.retrieve(created.id)).toMatchObject({ id: created.id, url: hook.url })
  })

  it("serves the Exa SDK pointed at the prefixed base URL", async () => {
    const exa = new Exa(KEY_GLOBEX, mounted.baseUrl)
    const created = await exa.websets.webhooks.create({ url: "https://example.com/mounted-exa", events: [EventType.webset_created] })
    expect(created).toMatchObject({ object: "webhook", url: "https://example.com/mounted-exa", events: ["webset.created"] })
    expect(await exa.websets.webhooks.get(created.id)).toMatchObject({ id: created.id })
  })

  it("delivers events published through the prefix, signed with the webhook's secret", async () => {
    const receiver = await TestReceiver.start()
    receivers.push(receiver)
    const created = await call(mounted.baseUrl, "POST", "/v1/webhooks", {
      body: JSON.stringify({ url: `${receiver.url}/hooks`, events: ["batch_prediction.completed"] })
    })
    expect(created.status).toBe(201)
    const { secret } = created.body as { readonly secret: string }
    const published = await call(mounted.baseUrl, "POST", "/v1/events", {
      body: JSON.stringify({ id: "evt_mounted_1", event_type: "batch_prediction.completed", data: { n: 1 } })
    })
    expect(published).toMatchObject({ status: 202, body: { id: "evt_mounted_1", deliveries: 1 } })
    const [request] = await receiver.awaitRequests(1)
    expect(JSON.parse(request!.body)).toMatchObject({ id: "evt_mounted_1", data: { n: 1 } })
    const header = request!.headers["datagrid-signature"] as string
    expect(verifySignature({ payload: request!.body, header, secret })).toMatchObject({ ok: true })
  })

  it("replays a POST repeated with its Idempotency-Key", async () => {
    const post = () =>
      fetch(`${mounted.baseUrl}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json", "idempotency-key": "mounted-1" },
        body: JSON.stringify({ event_type: "batch_prediction.completed", data: { n: 2 } })
      })
    const first = await post()
    const again = await post()
    expect([first.status, again.status]).toEqual([202, 202])
    expect(again.headers.get("idempotent-replayed")).toBe("true")
    expect(await again.json()).toEqual(await first.json())
  })

  it.each([
    ["a wrong key (Datagrid)", 401, "GET", "/v1/webhooks", { headers: { authorization: "Bearer hk_nope_000000000000000" } }],
    ["no key (Datagrid)", 401, "GET", "/v1/webhooks", { headers: { authorization: "" } }],
    ["a wrong key (Exa)", 401, "GET", "/websets/v0/webhooks", { headers: { authorization: "", "x-api-key": "hk_nope_000000000000000" } }],
    ["an invalid body (Datagrid)", 400, "POST", "/v1/webhooks", { body: JSON.stringify({ events: hook.events }) }],
    ["an invalid body (Exa)", 400, "POST", "/websets/v0/webhooks", {
      headers: { authorization: "", "x-api-key": KEY_ACME },
      body: JSON.stringify({ url: "https://example.com/x" })
    }],
    ["an invalid body (Diga)", 422, "POST", "/v1/webhook/", { body: JSON.stringify({ url: 42 }) }],
    ["a body that is not JSON", 400, "POST", "/v1/webhooks", { body: "{" }],
    ["a body that is not JSON by its type", 415, "POST", "/v1/webhooks", { headers: { "content-type": "text/plain" }, body: "x" }],
    ["a method the path is not served for", 405, "PUT", "/v1/webhooks", {}],
    ["an unknown webhook", 404, "GET", "/v1/webhooks/wh_01ARZ3NDEKTSV4RRFFQ69G5FAV", {}],
    ["a scope the key lacks", 403, "POST", "/v1/webhooks", { headers: { authorization: `Bearer ${KEY_READ_ONLY}` }, body: JSON.stringify(hook) }],
    ["an invalid Idempotency-Key", 400, "POST", "/v1/events", {
      headers: { "idempotency-key": "bad key with spaces" },
      body: JSON.stringify({ event_type: "batch_prediction.completed", data: {} })
    }]
  ] as const)("refuses %s (%i) as Herald's own server does, in the profile's shape", async (_, status, method, path, options) => {
    const [atRoot, underPrefix] = await Promise.all([call(root.baseUrl, method, path, options), call(mounted.baseUrl, method, path, options)])
    expect(underPrefix.status).toBe(status)
    expect(comparable(underPrefix)).toEqual(comparable(atRoot))
  })

  it("counts a route's rate limit under its own path, and refuses in the profile's shape", async () => {
    const created = await call(mounted.baseUrl, "POST", "/v1/webhooks", { body: JSON.stringify(hook) })
    const id = (created.body as { readonly id: string }).id
    const rotate = () => call(mounted.baseUrl, "POST", `/v1/webhooks/${id}/rotate-secret`)
    expect((await rotate()).status).toBe(200)
    const refused = await rotate()
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({ status_code: 429, error: "rate_limit_exceeded" })
    // Other routes keep their own (default) limit.
    expect((await call(mounted.baseUrl, "GET", `/v1/webhooks/${id}`)).status).toBe(200)
  })

  it("serves the OpenAPI document under the prefix, with the prefix as its server", async () => {
    const [atRoot, underPrefix] = await Promise.all(
      [root.baseUrl, mounted.baseUrl].map(async (base) => (await fetch(`${base}/openapi.json`)).json())
    )
    expect(atRoot).not.toHaveProperty("servers")
    expect(underPrefix).toEqual({ ...(atRoot as object), servers: [{ url: PREFIX }] })
  })

  it("serves the docs page under the prefix, loading only what is served there", async () => {
    const loaded = await checkDocsPage(`${mounted.baseUrl}/docs`)
    expect(loaded.map((url) => new URL(url).pathname).sort()).toEqual([`${PREFIX}/docs/scalar.js`, `${PREFIX}/openapi.json`])
  })

  it("answers an unknown path under the prefix in its profile's shape, pointing to the docs under the prefix", async () => {
    expect(await call(mounted.baseUrl, "GET", "/v1/nothing")).toEqual(notFound)
    expect(await call(mounted.baseUrl, "GET", "/websets/v0/nothing")).toMatchObject({
      status: 404,
      body: { statusCode: 404, tag: "NOT_FOUND", error: NOT_FOUND }
    })
  })

  it("answers a path outside the prefix handed to it with a 404 saying where the API is, whatever the path", async () => {
    for (const path of ["/nothing", "/v1/webhooks", "/webhooks-apix/v1/webhooks", "/docs", "/openapi.json"]) {
      expect(await call(mounted.origin, "GET", path), path).toEqual(notFound)
    }
  })
})
