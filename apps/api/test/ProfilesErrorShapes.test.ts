/**
 * Errors the framework raises itself (unknown routes, here) answer in the error
 * shape of the profile whose paths the request is under, and Datagrid keeps its
 * own shape exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Profiles from "@herald/http/Profiles"
import * as HttpProfile from "@herald/http/profiles/HttpProfile"
import { KEY_ACME, type RunningApp, start } from "./support/Harness.js"

describe("HttpProfile.ofPath", () => {
  it.each([
    ["/websets/v0/webhooks", "exa"],
    ["/websets", "exa"],
    ["/WEBSETS/v0/events?limit=2", "exa"],
    ["/v1/webhook/", "diga"],
    ["/v1/webhook", "diga"],
    ["/v1/webhook/3c90c3cc-0d44-4b50-8888-8dd25736052a/secret", "diga"],
    ["//v1//Webhook/x", "diga"],
    ["/v1/webhooks", "datagrid"],
    ["/v1/webhooks/wh_x", "datagrid"],
    ["/v1/webhookx", "datagrid"],
    ["/v1/events", "datagrid"],
    ["/websetsv0", "datagrid"],
    ["/healthz", "datagrid"]
  ])("%s is %s", (path, profile) => {
    expect(HttpProfile.ofPath(Profiles.all, path).name).toBe(profile)
  })
})

describe("unknown routes", () => {
  let app: RunningApp
  beforeAll(async () => {
    app = await start()
  })
  afterAll(() => app.close())

  const get = async (path: string) => {
    const response = await fetch(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY_ACME}` } })
    expect(response.headers.get("content-type")).toContain("application/json")
    return { status: response.status, body: JSON.parse(await response.text()) }
  }

  it("under /websets/ get Exa's body", async () => {
    expect(await get("/websets/v0/nothing")).toEqual({
      status: 404,
      body: { statusCode: 404, error: "No such endpoint: the endpoints are listed at /docs (and in /openapi.json)", tag: "NOT_FOUND", requestId: expect.stringMatching(/^req_[0-9a-f]{20}$/) }
    })
  })

  it("under /v1/webhook/ get Diga's body", async () => {
    for (const path of ["/v1/webhook/a/b/c", "/V1/WEBHOOK/a/b/c"]) {
      expect(await get(path)).toEqual({ status: 404, body: { status: "error", error_code: "NOT_FOUND", message: "Not Found" } })
    }
  })

  it("elsewhere get Datagrid's body, as before", async () => {
    for (const path of ["/v1/nothing-here", "/v1/webhooks/a/b/c", "/nothing"]) {
      expect(await get(path)).toEqual({
        status: 404,
        body: { status_code: 404, error: "not_found", message: "No such endpoint: the endpoints are listed at /docs (and in /openapi.json)", retryable: false }
      })
    }
  })
})
