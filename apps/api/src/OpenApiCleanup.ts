/**
 * HttpApi documents its built-in `HttpApiDecodeError` as a possible 400 body of
 * every endpoint, but `ErrorMapping` answers decode errors with `BadRequest`.
 * This removes the body that is never sent, so the document tells the truth.
 */
import type { OpenApi } from "@effect/platform"

const DECODE_ERROR_REF = "#/components/schemas/HttpApiDecodeError"

const withoutDecodeError = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(withoutDecodeError)
  if (typeof node !== "object" || node === null) return node
  const entries = Object.entries(node).map(([key, value]) => [key, withoutDecodeError(value)] as const)
  const object: Record<string, unknown> = Object.fromEntries(entries)
  if (Array.isArray(object["anyOf"])) {
    const kept = (object["anyOf"] as Array<{ $ref?: string }>).filter((item) => item.$ref !== DECODE_ERROR_REF)
    const { anyOf: _anyOf, ...rest } = object
    return kept.length === 1 ? { ...rest, ...kept[0] } : { ...rest, anyOf: kept }
  }
  if (object["description"] === "The request did not match the expected schema") {
    object["description"] = "The request is invalid (BadRequest)"
  }
  return object
}

export const transform = (spec: Record<string, unknown>): Record<string, unknown> => {
  const cleaned = withoutDecodeError(spec) as OpenApi.OpenAPISpec
  const schemas = { ...cleaned.components.schemas }
  delete schemas["HttpApiDecodeError"]
  // Drop the schemas only the decode error used, once nothing refers to them.
  for (const name of ["Issue", "PropertyKey"]) {
    const others = JSON.stringify({ ...cleaned, components: { ...cleaned.components, schemas: { ...schemas, [name]: undefined } } })
    if (!others.includes(`#/components/schemas/${name}"`)) delete schemas[name]
  }
  return { ...cleaned, components: { ...cleaned.components, schemas } }
}
