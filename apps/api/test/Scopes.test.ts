/**
 * API key scopes: the scope every route declares (one table over the whole
 * contract, so a new endpoint needs a decision here), and their enforcement in
 * each profile: a key without the scope gets a 403 in the profile's shape, before
 * its request is read, and with the rate limit headers.
 */
import { type ApiKeyStore, type Ids } from "@herald/core"
import Datagrid from "datagrid-ai"
import { Redacted } from "effect"
import { Exa, ExaError } from "exa-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HeraldApi } from "@herald/http/Contract"
import * as Protection from "@herald/http/edge/Protection"
import * as RateLimiting from "@herald/http/edge/RateLimiting"
import * as Scopes from "@herald/http/edge/Scopes"
import { backends, type RunningApp, start } from "./support/Harness.js"

describe("the scope each route needs", () => {
  const READ = ["read", "webhooks:write"]
  const WRITE = ["webhooks:write"]
  const PUBLISH = ["events:publish"]
  const expected: Record<string, ReadonlyArray<string>> = {
    "POST /v1/webhooks": WRITE,
    "GET /v1/webhooks": READ,
    "GET /v1/webhooks/active": READ,
    "GET /v1/webhooks/{webhook_id}": READ,
    "PATCH /v1/webhooks/{webhook_id}": WRITE,
    "DELETE /v1/webhooks/{webhook_id}": WRITE,
    "POST /v1/webhooks/{webhook_id}/rotate-secret": WRITE,
    // A read-only key never sees a signing secret.
    "GET /v1/webhooks/{webhook_id}/secret": WRITE,
    "GET /v1/webhooks/{webhook_id}/attempts": READ,
    "GET /v1/events": READ,
    "GET /v1/events/{event_id}": READ,
    "POST /v1/events/{event_id}/redeliver": WRITE,
    "POST /v1/webhooks/{webhook_id}/recover": WRITE,
    "POST /v1/webhooks/{webhook_id}/test": WRITE,
    "POST /v1/events": PUBLISH,
    "POST /v1/events/batch": PUBLISH,
    "GET /v1/event-types": READ,
    "GET /v1/event-types/{name}": READ,
    "POST /v1/event-types": WRITE,
    "PATCH /v1/event-types/{name}": WRITE,
    "DELETE /v1/event-types/{name}": WRITE,
    "POST /v1/portal/sessions": WRITE,
    "GET /v1/portal/session": READ,
    "POST /v1/listeners": WRITE,
    "GET /v1/listeners/{listener_id}/stream": WRITE,
    "POST /v1/listeners/{listener_id}/answers": WRITE,
    "DELETE /v1/listeners/{listener_id}": WRITE,
    "POST /websets/v0/webhooks": WRITE,
    "GET /websets/v0/webhooks": READ,
    "GET /websets/v0/webhooks/{id}": READ,
    "PATCH /websets/v0/webhooks/{id}": WRITE,
    "DELETE /websets/v0/webhooks/{id}": WRITE,
    "GET /websets/v0/webhooks/{id}/attempts": READ,
    "GET /websets/v0/events": READ,
    "GET /websets/v0/events/{id}": READ,
    "POST /v1/webhook/": WRITE,
    "GET /v1/webhook/": READ,
    "GET /v1/webhook/{id}": READ,
    "PATCH /v1/webhook/{id}": WRITE,
    "DELETE /v1/webhook/{id}": WRITE,
    // A read-only key never sees a signing secret.
    "GET /v1/webhook/{id}/secret": WRITE
  }

  it("keeps portal sessions from what stays with the provider: the catalog's changes, opening sessions, herald listen", () => {
    const { keysOnly } = Scopes.ofApi(HeraldApi)
    const only = Protection.routesOf(HeraldApi)
      .filter((route) => keysOnly(route.method, route.path))
      .map((route) => RateLimiting.displayRoute(route.method, route.path))
    expect(only).toEqual([
      "POST /v1/event-types",
      "PATCH /v1/event-types/{name}",
      "DELETE /v1/event-types/{name}",
      "POST /v1/portal/sessions",
      "POST /v1/listeners",
      "GET /v1/listeners/{listener_id}/stream",
      "POST /v1/listeners/{listener_id}/answers",
      "DELETE /v1/listeners/{listener_id}"
    ])
  })

  it("covers every authenticated endpoint of the contract", () => {
    const declared = Scopes.ofApi(HeraldApi).lookup
    const actual = Object.fromEntries(
      Protection.routesOf(HeraldApi)
        // The health routes need no key (packages/http's EndpointScopes test holds that list).
        .filter((route) => route.path !== "/healthz" && route.path !== "/readyz")
        .map((route) => [RateLimiting.displayRoute(route.method, route.path), declared(route.method, route.path)])
    )
    expect(actual).toEqual(expected)
  })
})

const KEYS = {
  readonly: ["read"],
  publisher: ["events:publish"],
  manager: ["webhooks:write"],
  ci: ["read", "events:publish"]
} as const satisfies Record<string, ReadonlyArray<ApiKeyStore.Scope>>
type Role = keyof typeof KEYS
const keyOf = (role: Role) => `hk_test_scope_${role}_0123456789abcdef`
const TEAMSPACE = "scopes" as Ids.TeamspaceId

describe.each(backends)("scopes on %s", (backend) => {
  let app: RunningApp

  beforeAll(async () => {
    app = await start({
      backend,
      apiKeys: Object.entries(KEYS).map(([role, scopes]) => [Redacted.make(keyOf(role as Role)), TEAMSPACE, scopes] as const)
    })
  })
  afterAll(() => app.close())

  const call = async (role: Role, method: string, path: string, body?: unknown, exa = false) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: {
        ...(exa ? { "x-api-key": keyOf(role) } : { authorization: `Bearer ${keyOf(role)}` }),
        "content-type": "application/json"
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) }
  }
  const hook = { url: "https://example.com/scopes", events: ["batch_prediction.completed"] }
  const event = { event_type: "batch_prediction.completed", data: { n: 1 } }

  it("a webhooks:write key manages webhooks and reads them, secret included, but may not publish", async () => {
    const created = await call("manager", "POST", "/v1/webhooks", hook)
    expect(created.status).toBe(201)
    const id = created.body.id as string
    expect((await call("manager", "GET", `/v1/webhooks/${id}`)).status).toBe(200)
    expect((await call("manager", "PATCH", `/v1/webhooks/${id}`, { enabled: false })).status).toBe(200)
    expect((await call("manager", "POST", `/v1/webhooks/${id}/test`)).status).toBe(202)
    const diga = await call("manager", "POST", "/v1/webhook/", { url: hook.url, subscribed_events: ["status_changed"] })
    expect(diga.status).toBe(200)
    expect((await call("manager", "GET", `/v1/webhook/${diga.body.id}/secret`)).status).toBe(200)

    const publish = await call("manager", "POST", "/v1/events", event)
    expect(publish.status).toBe(403)
    expect(publish.body).toEqual({
      status_code: 403,
      error: "forbidden",
      message:
        "This API key may not call POST /v1/events: it needs the `events:publish` scope, and has `webhooks:write`",
      retryable: false,
      mitigation: "Use an API key with the events:publish scope.",
      details: { required_scopes: ["events:publish"], key_scopes: ["webhooks:write"] }
    })
  })

  it("a read key reads everything but secrets, and changes nothing, in every profile's 403", async () => {
    const created = await call("manager", "POST", "/v1/webhooks", hook)
    const id = created.body.id as string
    const digaId = (await call("manager", "POST", "/v1/webhook/", { url: hook.url, subscribed_events: ["status_changed"] }))
      .body.id as string
    const published = await call("ci", "POST", "/v1/events", event)
    expect(published.status).toBe(202)

    for (
      const path of [
        "/v1/webhooks",
        `/v1/webhooks/${id}`,
        "/v1/webhooks/active?event_type=batch_prediction.completed",
        `/v1/webhooks/${id}/attempts`,
        "/v1/events",
        `/v1/events/${published.body.id}`,
        "/v1/webhook/",
        `/v1/webhook/${digaId}`
      ]
    ) {
      expect([path, (await call("readonly", "GET", path)).status]).toEqual([path, 200])
    }
    expect((await call("readonly", "GET", "/websets/v0/webhooks", undefined, true)).status).toBe(200)
    expect((await call("readonly", "GET", "/websets/v0/events", undefined, true)).status).toBe(200)

    for (
      const [method, path, body] of [
        ["POST", "/v1/webhooks", hook],
        ["PATCH", `/v1/webhooks/${id}`, { enabled: false }],
        ["DELETE", `/v1/webhooks/${id}`, undefined],
        ["POST", `/v1/webhooks/${id}/rotate-secret`, {}],
        ["POST", `/v1/webhooks/${id}/test`, undefined],
        ["POST", `/v1/webhooks/${id}/recover`, { since: "2026-01-01T00:00:00Z" }],
        ["POST", `/v1/events/${published.body.id}/redeliver`, {}],
        ["POST", "/v1/events", event],
        // Refused before the body is read: an invalid one is a 403 too, not a 400.
        ["POST", "/v1/webhooks", { url: 42 }]
      ] as const
    ) {
      const answer = await call("readonly", method, path, body)
      expect([method, path, answer.status, answer.body.error]).toEqual([method, path, 403, "forbidden"])
      expect(answer.body.details.key_scopes).toEqual(["read"])
      expect(answer.headers.get("x-ratelimit-limit")).not.toBeNull()
    }
    // Nothing changed.
    expect((await call("readonly", "GET", `/v1/webhooks/${id}`)).body).toEqual({ ...created.body, secret: undefined })

    const exa = await call("readonly", "POST", "/websets/v0/webhooks", { url: hook.url, events: ["webset.created"] }, true)
    expect(exa.status).toBe(403)
    expect(exa.body).toEqual({
      statusCode: 403,
      error: "This API key may not call POST /websets/v0/webhooks: it needs the `webhooks:write` scope, and has `read`",
      tag: "FORBIDDEN",
      requestId: expect.stringMatching(/^req_/)
    })
    expect(exa.body.requestId).toBe(exa.headers.get("x-request-id"))
    const diga = await call("readonly", "GET", `/v1/webhook/${digaId}/secret`)
    expect(diga.status).toBe(403)
    expect(diga.body).toEqual({
      status: "error",
      error_code: "INSUFFICIENT_SCOPE",
      message: "This API key may not call GET /v1/webhook/{id}/secret: it needs the `webhooks:write` scope, and has `read`"
    })
  })

  it("an events:publish key publishes and nothing else", async () => {
    expect((await call("publisher", "POST", "/v1/events", event)).status).toBe(202)
    for (const [method, path] of [["GET", "/v1/webhooks"], ["GET", "/v1/events"], ["POST", "/v1/webhooks"]] as const) {
      const answer = await call("publisher", method, path, method === "POST" ? hook : undefined)
      expect([method, path, answer.status]).toEqual([method, path, 403])
      expect(answer.body.details.required_scopes).toEqual(method === "GET" ? ["read", "webhooks:write"] : ["webhooks:write"])
    }
  })

  it("the SDKs see their permission errors", async () => {
    const datagrid = new Datagrid({ apiKey: keyOf("readonly"), baseURL: `${app.baseUrl}/v1`, maxRetries: 0 })
    const error = await datagrid.webhooks.create({ url: hook.url, events: ["batch_prediction.completed"] }).then(
      () => undefined,
      (error: unknown) => error
    )
    expect(error).toBeInstanceOf(Datagrid.PermissionDeniedError)
    expect((error as Error).message).toMatch(/^403 This API key may not call POST \/v1\/webhooks: it needs the `webhooks:write`/)
    expect(await datagrid.webhooks.list().then((page) => Array.isArray(page.data))).toBe(true)

    const exa = new Exa(keyOf("publisher"), app.baseUrl)
    const exaError = await exa.websets.webhooks.list().then(() => undefined, (error: unknown) => error)
    expect(exaError).toBeInstanceOf(ExaError)
    expect((exaError as ExaError).statusCode).toBe(403)
  })
})
