/**
 * The contract entry (`@herald/http`) is what clients import, so it must load no
 * server code: its imports are walked from src/index.ts, following the relative
 * ones, and none reaches the server (`HttpApp`, the Node server, the platform's
 * Node runtime) or the edge beyond the few modules whose wording the error
 * bodies reuse. A type-only import loads nothing and is not followed.
 */
import { readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { describe, expect, it } from "vitest"
import { DatagridApi, DatagridErrors, HeraldApi, NativeDeliveries, NativeEvents, NativeEventTypes, NativePortal } from "@herald/http"

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src")

/** The specifiers a module loads when it runs (type-only imports and exports excluded). */
const runtimeImports = (file: string): ReadonlyArray<string> => {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest)
  const specifiers: Array<string> = []
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly !== true) {
      specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text)
    }
    if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.moduleSpecifier !== undefined) {
      specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text)
    }
  }
  return specifiers
}

/** Every module of this package the entry loads (paths relative to src), and every package it loads. */
const loadedBy = (entry: string) => {
  const modules = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    const name = relative(SRC, file)
    if (modules.has(name)) return
    modules.add(name)
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith(".")) visit(join(dirname(file), specifier.replace(/\.js$/, ".ts")))
      else packages.add(specifier)
    }
  }
  visit(join(SRC, entry))
  return { modules, packages }
}

describe("the contract entry", () => {
  const { modules, packages } = loadedBy("index.ts")

  it("loads no server module", () => {
    expect(modules.has("HttpApp.ts")).toBe(false)
    expect([...modules].filter((module) => module.endsWith("Handlers.ts") || module.endsWith("Authenticator.ts"))).toEqual([])
    // The error bodies describe refusals and framework failures in the edge's words;
    // nothing else of the edge (authentication, limits, idempotency, routing) is loaded.
    expect([...modules].filter((module) => module.startsWith("edge/")).sort()).toEqual([
      "edge/FrameworkFailure.ts",
      "edge/Principal.ts",
      "edge/RateLimiting.ts",
      "edge/Scopes.ts"
    ])
  })

  it("needs only effect, @effect/platform and the core, never a Node server", () => {
    expect([...packages].filter((name) => !name.startsWith("node:")).sort()).toEqual([
      "@effect/platform",
      "@herald/core",
      "effect"
    ])
    expect(packages).not.toContain("node:http")
    expect(packages).not.toContain("@effect/platform-node")
  })

  it("exports the API and each group's schemas and error classes", () => {
    expect(HeraldApi.groups).toHaveProperty("events")
    expect(NativeEvents.Events.identifier).toBe("events")
    expect(NativeDeliveries.Deliveries.identifier).toBe("deliveries")
    expect(NativeEventTypes.EventTypes.identifier).toBe("eventTypes")
    expect(NativePortal.Portal.identifier).toBe("portal")
    expect(DatagridApi.DatagridWebhooks.identifier).toBe("webhooks")
    expect(new DatagridErrors.NotFound({ status_code: 404, error: "not_found", message: "gone", retryable: false }).message)
      .toBe("gone")
  })
})
