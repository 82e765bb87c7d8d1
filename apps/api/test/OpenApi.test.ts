import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningApp, start } from "./support/Harness.js"

let app: RunningApp
beforeAll(async () => {
  app = await start()
})
afterAll(() => app.close())

describe("OpenAPI", () => {
  it("is served at /openapi.json and documents the Datagrid webhook paths", async () => {
    const response = await fetch(`${app.baseUrl}/openapi.json`)
    expect(response.status).toBe(200)
    const spec = (await response.json()) as { paths: Record<string, Record<string, unknown>> }
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/v1/webhooks", "/v1/webhooks/active", "/v1/webhooks/{webhook_id}", "/v1/events", "/healthz"])
    )
    expect(Object.keys(spec.paths["/v1/webhooks/{webhook_id}"] ?? {})).toEqual(
      expect.arrayContaining(["get", "patch", "delete"])
    )
  })

  it("serves a docs page", async () => {
    const response = await fetch(`${app.baseUrl}/docs`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/html")
  })
})
