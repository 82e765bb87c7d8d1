/**
 * Portal sessions through the real app, on every backend: a provider's API key
 * opens one; its token manages (or, read-only, only reads) its teamspace's
 * webhooks through every profile's routes, never another teamspace's, never
 * what stays with the provider (the catalog's changes, opening sessions,
 * publishing), and stops working when it expires.
 */
import { request as httpRequest } from "node:http"
import { TestReceiver } from "@herald/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { backends, KEY_ACME, KEY_GLOBEX, type RunningApp, start } from "./support/Harness.js"
import * as ManualClock from "./support/ManualClock.js"

interface Answer<T> {
  readonly status: number
  readonly body: T
}

interface Session {
  readonly object: string
  readonly teamspace: string
  readonly profile: string
  readonly read_only: boolean
  readonly expires_at: string
  readonly url: string
  readonly token: string
}

interface ErrorBody {
  readonly message: string
}

const HOUR = 3_600_000

describe.each(backends)("portal sessions on %s", (backend) => {
  let app: RunningApp
  let receiver: TestReceiver.RunningReceiver
  // From the next whole hour of real time, not a fixed date: Redis expires a session's key at its
  // expiry by its own clock (PEXPIREAT), so a session dated in the past is gone at once.
  const clock = ManualClock.make(Math.ceil(Date.now() / HOUR) * HOUR)

  beforeAll(async () => {
    app = await start({ backend, clock: clock.clock })
    receiver = await TestReceiver.start()
  })
  afterAll(async () => {
    await receiver?.close()
    await app?.close()
  })

  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    key: string,
    body?: unknown,
    header = "authorization"
  ): Promise<Answer<T>> => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { [header]: header === "authorization" ? `Bearer ${key}` : key, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as T }
  }

  const open = async (body: Record<string, unknown> = {}, key = KEY_ACME) => {
    const opened = await call<Session>("POST", "/v1/portal/sessions", key, body)
    expect(opened.status).toBe(201)
    return opened.body
  }

  it("opens a session: a link with the token in its fragment, for an hour by default", async () => {
    const session = await open()
    expect(session).toMatchObject({ object: "portal_session", teamspace: "acme", profile: "datagrid", read_only: false })
    expect(session.token).toMatch(/^hps_[A-Za-z0-9_-]{43}$/)
    expect(session.url).toBe(`${app.baseUrl}/portal/#token=${session.token}`)
    expect(Date.parse(session.expires_at)).toBe(clock.now() + HOUR)
    const { token: _token, url: _url, ...rest } = session
    expect(await call("GET", "/v1/portal/session", session.token)).toEqual({ status: 200, body: rest })
    // An API key is no session.
    expect((await call("GET", "/v1/portal/session", KEY_ACME)).status).toBe(404)
  })

  it("manages its teamspace's webhooks through every profile's routes, and no other teamspace's", async () => {
    const { token } = await open({ profile: "exa" })
    const created = await call<{ id: string; secret: string }>("POST", "/websets/v0/webhooks", token, {
      url: receiver.url,
      events: ["webset.created"]
    }, "x-api-key")
    expect(created.status).toBe(200)
    const secret = await call<{ secret: string }>("GET", `/v1/webhooks/${created.body.id}/secret`, token)
    expect(secret).toEqual({ status: 200, body: { object: "webhook_secret", webhook_id: created.body.id, secret: created.body.secret } })
    expect((await call("PATCH", `/v1/webhooks/${created.body.id}`, token, { rate_limit: 5 })).status).toBe(200)
    expect((await call("POST", `/v1/webhooks/${created.body.id}/test`, token)).status).toBe(202)
    await receiver.awaitRequests(1)
    // The attempt is logged once the receiver has answered: a moment after it got the delivery.
    await expect.poll(async () =>
      (await call<{ data: ReadonlyArray<unknown> }>("GET", `/v1/webhooks/${created.body.id}/attempts`, token)).body.data.length
    ).toBeGreaterThan(0)
    expect((await call("GET", "/v1/event-types?profile=exa", token)).status).toBe(200)

    const globex = await call<{ id: string }>("POST", "/v1/webhooks", KEY_GLOBEX, { url: receiver.url, events: ["batch_prediction.completed"] })
    expect((await call("GET", `/v1/webhooks/${globex.body.id}`, token)).status).toBe(404)
    expect((await call("DELETE", `/v1/webhooks/${globex.body.id}`, token)).status).toBe(404)
    expect((await call("GET", `/v1/webhooks/${globex.body.id}/secret`, token)).status).toBe(404)
    expect((await call("DELETE", `/v1/webhooks/${created.body.id}`, token)).status).toBe(204)
  })

  it("keeps a session from what stays with the provider: the catalog's changes, opening sessions, publishing", async () => {
    const { token } = await open()
    const refusals: ReadonlyArray<readonly [string, string, unknown]> = [
      ["POST", "/v1/portal/sessions", {}],
      ["POST", "/v1/event-types", { name: "portal.made" }],
      ["PATCH", "/v1/event-types/status_changed?profile=diga", { description: "x" }],
      ["DELETE", "/v1/event-types/status_changed?profile=diga", undefined]
    ]
    for (const [method, path, body] of refusals) {
      const refused = await call<ErrorBody>(method, path, token, body)
      expect(refused.status, `${method} ${path}`).toBe(403)
      expect(refused.body.message).toContain("A portal session may not call")
    }
    const publish = await call<ErrorBody>("POST", "/v1/events", token, { event_type: "batch_prediction.completed", data: {} })
    expect(publish.status).toBe(403)
    expect(publish.body.message).toContain("events:publish")
  })

  it("lets a read-only session read, and change nothing nor see a secret", async () => {
    const hook = await call<{ id: string }>("POST", "/v1/webhooks", KEY_ACME, { url: receiver.url, events: ["batch_prediction.completed"] })
    const { read_only, token } = await open({ read_only: true, profile: "diga" })
    expect(read_only).toBe(true)
    expect((await call("GET", "/v1/webhooks", token)).status).toBe(200)
    expect((await call("GET", `/v1/webhooks/${hook.body.id}/attempts`, token)).status).toBe(200)
    expect((await call("GET", "/v1/webhook/", token)).status).toBe(200)
    for (
      const [method, path] of [
        ["POST", "/v1/webhooks"],
        ["PATCH", `/v1/webhooks/${hook.body.id}`],
        ["DELETE", `/v1/webhooks/${hook.body.id}`],
        ["GET", `/v1/webhooks/${hook.body.id}/secret`],
        ["POST", `/v1/webhooks/${hook.body.id}/rotate-secret`],
        ["POST", `/v1/webhooks/${hook.body.id}/test`],
        ["POST", `/v1/webhooks/${hook.body.id}/recover`]
      ] as const
    ) {
      const refused = await call<ErrorBody>(method, path, token, method === "GET" ? undefined : {})
      expect(refused.status, `${method} ${path}`).toBe(403)
    }
    expect((await call("DELETE", `/v1/webhooks/${hook.body.id}`, KEY_ACME)).status).toBe(204)
  })

  it("refuses the token once it has expired, saying so", async () => {
    const { token } = await open({ expires_in: 60 })
    expect((await call("GET", "/v1/webhooks", token)).status).toBe(200)
    clock.advance(60_000)
    const expired = await call<ErrorBody>("GET", "/v1/webhooks", token)
    expect(expired.status).toBe(401)
    expect(expired.body.message).toContain("expired")
    expect((await call("GET", "/v1/portal/session", token)).status).toBe(401)
    // The provider's key opens a new one.
    const renewed = await open()
    expect((await call("GET", "/v1/webhooks", renewed.token)).status).toBe(200)
  })

  it("never replays a session for an Idempotency-Key: a retry opens another one", async () => {
    const post = () =>
      fetch(`${app.baseUrl}/v1/portal/sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json", "idempotency-key": "portal-1" },
        body: "{}"
      })
    const [first, second] = [await post(), await post()]
    expect([first.status, second.status]).toEqual([201, 201])
    expect(second.headers.get("idempotent-replayed")).toBeNull()
    expect(((await first.json()) as Session).token).not.toBe(((await second.json()) as Session).token)
  })

  it("makes a link only for a Host that is a host name and port, else says to set HERALD_PUBLIC_URL", async () => {
    const { port } = new URL(app.origin)
    const open = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest({
          host: "127.0.0.1",
          port: Number(port),
          path: `${new URL(app.baseUrl).pathname.replace(/\/$/, "")}/v1/portal/sessions`,
          method: "POST",
          headers: { host, authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" }
        }, (response) => {
          let body = ""
          response.on("data", (chunk) => (body += chunk))
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body }))
        })
        request.on("error", reject)
        request.end("{}")
      })
    const good = await open("webhooks.example.com:8443")
    expect(good.status).toBe(201)
    expect((JSON.parse(good.body) as Session).url).toMatch(/^http:\/\/webhooks\.example\.com:8443\/portal\/#token=hps_/)
    const forged = await open("evil.example/x?")
    expect(forged.status).toBe(400)
    expect(JSON.parse(forged.body).message).toContain("HERALD_PUBLIC_URL")
  })

  it("refuses a bad request, naming the field as sent and what is accepted", async () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{ expires_in: 59 }, "expires_in must be a whole number of seconds from 60 to 86400"],
      [{ expires_in: 86_401 }, "expires_in must be a whole number of seconds from 60 to 86400"],
      [{ expires_in: 90.5 }, "expires_in must be a whole number"],
      [{ profile: "stripe" }, "profile must be one of datagrid, exa, diga"],
      [{ read_only: "yes" }, "read_only"],
      [{ readOnly: true }, "readOnly"]
    ]
    for (const [body, expected] of cases) {
      const refused = await call<ErrorBody>("POST", "/v1/portal/sessions", KEY_ACME, body)
      expect(refused.status, JSON.stringify(body)).toBe(400)
      expect(refused.body.message, JSON.stringify(body)).toContain(expected)
    }
  })
})

describe("portal session links of an API mounted under a prefix", () => {
  it("carry the prefix", async () => {
    const app = await start({ mount: "/webhooks-api" })
    try {
      const response = await fetch(`${app.baseUrl}/v1/portal/sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
        body: "{}"
      })
      const session = (await response.json()) as Session
      expect(session.url).toBe(`${app.origin}/webhooks-api/portal/#token=${session.token}`)
    } finally {
      await app.close()
    }
  })
})
