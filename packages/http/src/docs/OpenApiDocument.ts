/**
 * The OpenAPI document, generated from the HttpApi definition. The committed
 * copy (packages/http/openapi.json, shipped with the package) is checked against it by a test, so the contract
 * cannot drift silently.
 */
import { OpenApi } from "@effect/platform"
import { HeraldApi } from "../Contract.js"

export const generate = (): OpenApi.OpenAPISpec => OpenApi.fromApi(HeraldApi)

export const render = (): string => JSON.stringify(generate(), null, 2) + "\n"
