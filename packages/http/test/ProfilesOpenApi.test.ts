/**
 * The generated OpenAPI document covers the three profiles, grouped by profile,
 * and documents each profile's own auth and error bodies (never another's, nor
 * HttpApi's built-in decode error).
 */
import { describe, expect, it } from "vitest"
import { generate } from "../src/docs/OpenApiDocument.js"

interface Operation {
  readonly summary?: string
  readonly description?: string
  readonly tags: ReadonlyArray<string>
  readonly security: ReadonlyArray<Record<string, ReadonlyArray<string>>>
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema: unknown }> }>
}

const spec = generate() as unknown as {
  readonly paths: Record<string, Record<string, Operation>>
  readonly tags: ReadonlyArray<{ readonly name: string }>
  readonly "x-tagGroups": ReadonlyArray<{ readonly name: string; readonly tags: ReadonlyArray<string> }>
  readonly components: { readonly securitySchemes: Record<string, unknown>; readonly schemas: Record<string, unknown> }
}

const operations = (prefix: string) =>
  Object.entries(spec.paths)
    .filter(([path]) => path.startsWith(prefix))
    .flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })))

const errorRefs = (operation: Operation) =>
  Object.fromEntries(
    Object.entries(operation.responses)
      .filter(([status]) => Number(status) >= 400)
      .map(([status, response]) => [status, JSON.stringify(response.content?.["application/json"]?.schema)])
  )

describe("OpenAPI across profiles", () => {
  it("documents every profile's paths and methods", () => {
    const methods = (path: string) => Object.keys(spec.paths[path] ?? {}).sort()
    expect(methods("/websets/v0/webhooks")).toEqual(["get", "post"])
    expect(methods("/websets/v0/webhooks/{id}")).toEqual(["delete", "get", "patch"])
    expect(methods("/websets/v0/webhooks/{id}/attempts")).toEqual(["get"])
    expect(methods("/websets/v0/events")).toEqual(["get"])
    expect(methods("/websets/v0/events/{id}")).toEqual(["get"])
    expect(methods("/v1/webhook/")).toEqual(["get", "post"])
    expect(methods("/v1/webhook/{id}")).toEqual(["delete", "get", "patch"])
    expect(methods("/v1/webhook/{id}/secret")).toEqual(["get"])
    expect(methods("/v1/webhooks")).toEqual(["get", "post"])
    expect(methods("/v1/events")).toContain("post")
  })

  // The docs page and generated clients show it under each operation's summary.
  it("describes every operation, beyond its summary", () => {
    const undescribed = operations("/")
      .filter(({ operation }) =>
        (operation.description ?? "").trim() === "" || operation.description!.trim() === operation.summary?.trim()
      )
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`)
    expect(undescribed).toEqual([])
  })

  it("groups the tags by profile", () => {
    const groups = Object.fromEntries(spec["x-tagGroups"].map((group) => [group.name, group.tags]))
    expect(groups["Datagrid"]).toEqual(["Webhooks (Datagrid)"])
    expect(groups["Exa websets"]).toEqual(["Webhooks (Exa websets)", "Events (Exa websets)"])
    expect(groups["Diga"]).toEqual(["Webhooks (Diga)"])
    expect(groups["Herald (every profile)"]).toEqual(expect.arrayContaining(["Events", "Deliveries", "Health"]))
    // Every tag is in exactly one group.
    expect(spec["x-tagGroups"].flatMap((group) => group.tags).sort()).toEqual(spec.tags.map((tag) => tag.name).sort())
    for (const { operation } of operations("/websets/")) expect(operation.tags[0]).toMatch(/\(Exa websets\)$/)
    for (const { operation } of operations("/v1/webhook/")) expect(operation.tags).toEqual(["Webhooks (Diga)"])
  })

  it("documents each profile's authentication", () => {
    expect(spec.components.securitySchemes).toEqual({
      bearer: { type: "http", scheme: "bearer" },
      apiKey: { type: "apiKey", name: "x-api-key", in: "header" }
    })
    for (const { operation } of operations("/websets/")) expect(operation.security).toEqual([{ apiKey: [] }])
    for (const { operation } of operations("/v1/webhook/")) expect(operation.security).toEqual([{ bearer: [] }])
  })

  it("documents each profile's error bodies only", () => {
    for (const { operation } of operations("/websets/")) {
      const errors = errorRefs(operation)
      expect(Object.keys(errors).sort()).toEqual(["400", "401", "403", "404", "429", "500"])
      for (const ref of Object.values(errors)) expect(ref).toMatch(/#\/components\/schemas\/Exa[A-Za-z]+"/)
    }
    for (const { operation } of operations("/v1/webhook/")) {
      const errors = errorRefs(operation)
      expect(Object.keys(errors).sort()).toEqual(["403", "404", "422", "429", "500"])
      for (const ref of Object.values(errors)) expect(ref).toMatch(/#\/components\/schemas\/Diga[A-Za-z]+"/)
    }
    for (const { operation } of operations("/v1/webhooks")) {
      for (const ref of Object.values(errorRefs(operation))) expect(ref).not.toMatch(/Exa|Diga/)
    }
    expect(JSON.stringify(spec)).not.toContain("HttpApiDecodeError")
  })

  it("documents Diga's validation error and error response as the seed does", () => {
    expect(spec.components.schemas["DigaValidationError"]).toMatchObject({
      type: "object",
      required: ["loc", "msg", "type"]
    })
    expect(spec.components.schemas["DigaForbidden"]).toMatchObject({
      required: ["status", "error_code", "message"]
    })
  })
})
