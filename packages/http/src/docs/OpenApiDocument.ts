/**
 * The OpenAPI document, generated from the HttpApi definition. The committed
 * copy (packages/http/openapi.json, shipped with the package) is checked against it by a test, so the contract
 * cannot drift silently.
 */
import { OpenApi } from "@effect/platform"
import { HeraldApi } from "../Contract.js"

/** The OpenAPI document of `HeraldApi`, as an object. */
export const generate = (): OpenApi.OpenAPISpec => OpenApi.fromApi(HeraldApi)

/**
 * The OpenAPI document as the committed `openapi.json` holds it (two-space JSON and a newline);
 * `npm run openapi -w @herald/http` rewrites that file.
 */
export const render = (): string => JSON.stringify(generate(), null, 2) + "\n"
