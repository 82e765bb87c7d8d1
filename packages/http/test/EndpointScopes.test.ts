/**
 * Every endpoint of the contract declares the scopes it needs (`Scopes.Required`,
 * on the endpoint or its group): an endpoint without one would not start the
 * server, and this says which before it gets that far.
 */
import { HttpApi } from "@effect/platform"
import { Context, Option } from "effect"
import { expect, it } from "vitest"
import { HeraldApi } from "../src/Contract.js"
import * as Scopes from "../src/edge/Scopes.js"

it("every endpoint of HeraldApi declares its scopes", () => {
  const undeclared: Array<string> = []
  let endpoints = 0
  HttpApi.reflect(HeraldApi, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, group, mergedAnnotations }) => {
      endpoints++
      if (Option.isNone(Context.getOption(mergedAnnotations, Scopes.Required))) {
        undeclared.push(`${group.identifier}.${endpoint.name} (${endpoint.method} ${endpoint.path})`)
      }
    }
  })
  expect(endpoints).toBeGreaterThan(0)
  expect(undeclared).toEqual([])
  expect(Scopes.ofApi(HeraldApi).undeclared).toEqual([])
})

it("only the endpoints served without a key declare no scope", () => {
  const open: Array<string> = []
  HttpApi.reflect(HeraldApi, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, mergedAnnotations, middleware }) => {
      const scopes = Context.getOption(mergedAnnotations, Scopes.Required)
      if (Option.isSome(scopes) && scopes.value.length === 0) {
        expect(middleware.size).toBe(0)
        open.push(`${endpoint.method} ${endpoint.path}`)
      }
    }
  })
  expect(open).toEqual(["GET /healthz", "GET /readyz"])
})
