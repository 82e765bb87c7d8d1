/**
 * A path the API serves (the contract's, and /docs, /docs/scalar.js and
 * /openapi.json beside it), asked with a method it does not serve, is a 405 with
 * `Allow` in the profile's error shape (not a 404 "No such endpoint"); OPTIONS
 * is a 204 with `Allow`; a path nothing serves stays a 404. Paths are matched
 * as the router matches them: case, repeated slashes and a trailing slash do
 * not matter.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, type RunningApp, start } from "./support/Harness.js"

let app: RunningApp
beforeAll(async () => {
  app = await start()
})
afterAll(() => app.close())

const call = async (method: string, path: string) => {
  const response = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY_ACME}`, "x-api-key": KEY_ACME }
  })
  const text = await response.text()
  return {
    status: response.status,
    allow: response.headers.get("allow"),
    contentType: response.headers.get("content-type"),
    body: text === "" ? undefined : JSON.parse(text)
  }
}

const WH = "wh_01JZZZZZZZZZZZZZZZZZZZZZZZ"
const UUID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"

describe("a wrong method", () => {
  it.each([
    ["PUT", `/v1/webhooks/${WH}`, "GET, HEAD, PATCH, DELETE, OPTIONS"],
    ["POST", `/v1/webhooks/${WH}`, "GET, HEAD, PATCH, DELETE, OPTIONS"],
    ["GET", `/v1/events/evt_1/redeliver`, "POST, OPTIONS"],
    ["DELETE", "/v1/events", "GET, HEAD, POST, OPTIONS"],
    ["PUT", "/v1/webhooks", "GET, HEAD, POST, OPTIONS"],
    ["GET", `/v1/webhooks/${WH}/rotate-secret`, "POST, OPTIONS"],
    ["DELETE", "/healthz", "GET, HEAD, OPTIONS"],
    // As the router matches: case, repeated slashes, a trailing slash.
    ["PUT", `//V1/Webhooks//${WH}/`, "GET, HEAD, PATCH, DELETE, OPTIONS"]
  ])("%s %s is a Datagrid 405 allowing %s", async (method, path, allow) => {
    const result = await call(method, path)
    expect(result.status).toBe(405)
    expect(result.allow).toBe(allow)
    expect(result.contentType).toContain("application/json")
    expect(result.body).toEqual({
      status_code: 405,
      error: "method_not_allowed",
      message: `${method} is not allowed on this path, which accepts ${allow}`,
      retryable: false,
      mitigation: expect.any(String)
    })
  })

  it("under /websets/ is Exa's 405", async () => {
    const result = await call("PUT", `/websets/v0/webhooks/${WH}`)
    expect(result.status).toBe(405)
    expect(result.allow).toBe("GET, HEAD, PATCH, DELETE, OPTIONS")
    expect(result.body).toEqual({
      statusCode: 405,
      error: "PUT is not allowed on this path, which accepts GET, HEAD, PATCH, DELETE, OPTIONS",
      tag: "METHOD_NOT_ALLOWED",
      requestId: expect.stringMatching(/^req_[0-9a-f]{20}$/)
    })
    expect((await call("POST", "/websets/v0/events")).allow).toBe("GET, HEAD, OPTIONS")
  })

  it("under /v1/webhook/ is Diga's 405", async () => {
    for (const path of ["/v1/webhook/", "/v1/webhook", "/V1/WEBHOOK/"]) {
      const result = await call("PUT", path)
      expect(result.status).toBe(405)
      expect(result.allow).toBe("GET, HEAD, POST, OPTIONS")
      expect(result.body).toEqual({
        status: "error",
        error_code: "METHOD_NOT_ALLOWED",
        message: "PUT is not allowed on this path, which accepts GET, HEAD, POST, OPTIONS"
      })
    }
    expect((await call("POST", `/v1/webhook/${UUID}/secret`)).allow).toBe("GET, HEAD, OPTIONS")
  })

  it.each(["/docs", "/docs/scalar.js", "/openapi.json"])("on %s, served beside the contract, is a 405 too", async (path) => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const result = await call(method, path)
      expect(result.status).toBe(405)
      expect(result.allow).toBe("GET, HEAD, OPTIONS")
      expect(result.body).toMatchObject({ status_code: 405, error: "method_not_allowed" })
    }
    expect((await call("OPTIONS", path)).status).toBe(204)
    expect((await fetch(`${app.baseUrl}${path}`)).status).toBe(200)
  })

  it("HEAD where only POST is served is a 405 too (HEAD is served wherever GET is)", async () => {
    const result = await call("HEAD", `/v1/events/evt_1/redeliver`)
    expect(result.status).toBe(405)
    expect(result.allow).toBe("POST, OPTIONS")
    expect((await call("HEAD", "/v1/webhooks")).status).toBe(200)
  })
})

describe("OPTIONS", () => {
  it("is a 204 with Allow, in every profile", async () => {
    for (
      const [path, allow] of [
        [`/v1/webhooks/${WH}`, "GET, HEAD, PATCH, DELETE, OPTIONS"],
        ["/websets/v0/webhooks", "GET, HEAD, POST, OPTIONS"],
        [`/v1/webhook/${UUID}`, "GET, HEAD, PATCH, DELETE, OPTIONS"]
      ]
    ) {
      const result = await call("OPTIONS", path!)
      expect(result).toMatchObject({ status: 204, allow, body: undefined })
    }
  })
})

describe("an unknown path", () => {
  it("stays a 404 whatever the method", async () => {
    for (const method of ["GET", "PUT", "OPTIONS"]) {
      const result = await call(method, "/v1/nothing-here")
      expect(result.status).toBe(404)
      expect(result.allow).toBeNull()
      expect(result.body).toMatchObject({ status_code: 404, error: "not_found" })
    }
    expect((await call("PUT", "/websets/v0/nothing")).status).toBe(404)
    expect((await call("PUT", "/v1/webhook/a/b/c")).status).toBe(404)
  })
})
