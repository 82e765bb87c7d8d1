/**
 * The OpenAPI document, generated from the HttpApi definition. The committed
 * copy (apps/api/openapi.json) is checked against it by a test, so the contract
 * cannot drift silently.
 */
import { OpenApi } from "@effect/platform"
import { HeraldApi } from "../Contract.js"

export const generate = (): OpenApi.OpenAPISpec => OpenApi.fromApi(HeraldApi)

export const render = (): string => JSON.stringify(generate(), null, 2) + "\n"
