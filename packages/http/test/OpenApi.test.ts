/**
 * The committed OpenAPI document (openapi.json, shipped with this package) is the
 * one generated from the contract: CI fails when they differ, so the contract
 * cannot drift silently. `npm run openapi -w @herald/http` rewrites it.
 */
import { describe, expect, it } from "vitest"
import { render } from "../src/docs/OpenApiDocument.js"

describe("OpenAPI", () => {
  it("matches the committed openapi.json", async () => {
    await expect(render()).toMatchFileSnapshot("../openapi.json")
  })
})
