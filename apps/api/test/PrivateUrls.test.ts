/**
 * SSRF through the API: a webhook URL whose host is an IPv6 form of a private
 * or loopback IPv4 address (or another non-public IPv6 range) is refused at
 * create and at PATCH, in each profile's error shape, naming `url`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { backends, KEY_ACME, type RunningApp, start } from "./support/Harness.js"

const hosts = [
  "[::ffff:0:7f00:1]", // IPv4-translated loopback
  "[64:ff9b::a9fe:a9fe]", // well-known NAT64 of the metadata address
  "[64:ff9b:1::a00:1]", // local-use NAT64 of 10.0.0.1
  "[2002:7f00:1::]", // 6to4 of loopback
  "[2001:0:4136:e378:8000:63bf:3fff:fdd2]", // Teredo
  "[::7f00:1]" // IPv4-compatible loopback
]

interface Profile {
  readonly name: string
  readonly collection: string
  readonly create: (url: string) => Record<string, unknown>
  /** The refusal, in the profile's own error shape, naming `url`. */
  readonly refused: (status: number, body: unknown) => void
}

const profiles: ReadonlyArray<Profile> = [
  {
    name: "Datagrid",
    collection: "/v1/webhooks",
    create: (url) => ({ url, events: ["batch_prediction.completed"] }),
    refused: (status, body) => {
      expect(status).toBe(400)
      expect(body).toMatchObject({
        status_code: 400,
        error: "invalid_request",
        message: "url must point to a public host (http and private hosts only where Herald runs with HERALD_ALLOW_PRIVATE_URLS=true, or the allowPrivateUrls setting)",
        details: { issues: [{ path: ["url"] }] }
      })
    }
  },
  {
    name: "Exa",
    collection: "/websets/v0/webhooks",
    create: (url) => ({ url, events: ["webset.created"] }),
    refused: (status, body) => {
      expect(status).toBe(400)
      expect(body).toMatchObject({
        statusCode: 400,
        error: "url must point to a public host (http and private hosts only where Herald runs with HERALD_ALLOW_PRIVATE_URLS=true, or the allowPrivateUrls setting)",
        tag: "INVALID_REQUEST",
        details: { issues: [{ path: ["url"] }] }
      })
    }
  },
  {
    name: "Diga",
    collection: "/v1/webhook/",
    create: (url) => ({ url, subscribed_events: ["status_changed"] }),
    refused: (status, body) => {
      expect(status).toBe(422)
      expect(body).toEqual({ detail: [{ loc: ["body", "url"], msg: "url must point to a public host (http and private hosts only where Herald runs with HERALD_ALLOW_PRIVATE_URLS=true, or the allowPrivateUrls setting)", type: "value_error" }] })
    }
  }
]

describe.each(backends)("private IPv6 webhook URLs (%s)", (backend) => {
  let app: RunningApp
  beforeAll(async () => {
    app = await start({ allowPrivateUrls: false, backend })
  })
  afterAll(() => app.close())

  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY_ACME}`, "x-api-key": KEY_ACME, "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    return { status: response.status, body: JSON.parse(await response.text()) as unknown }
  }

  describe.each(profiles)("$name", (profile) => {
    it.each(hosts)("refuses https://%s/hook at create and at PATCH", async (host) => {
      const url = `https://${host}/hook`
      const created = await call("POST", profile.collection, profile.create(url))
      profile.refused(created.status, created.body)

      const existing = await call("POST", profile.collection, profile.create("https://example.com/hook"))
      expect(existing.status).toBeLessThan(300)
      const id = (existing.body as { id: string }).id
      const patched = await call("PATCH", `${profile.collection.replace(/\/$/, "")}/${id}`, { url })
      profile.refused(patched.status, patched.body)
    })
  })
})
