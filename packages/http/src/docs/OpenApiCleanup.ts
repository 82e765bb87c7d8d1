/**
 * Post-processing of the generated OpenAPI document.
 *
 * HttpApi documents its built-in `HttpApiDecodeError` as a possible 400 body of
 * every endpoint, but `ErrorMapping` answers decode errors in the profile's own
 * shape (Datagrid's and Exa's 400, Diga's 422). This removes the body that is
 * never sent, so the document tells the truth.
 *
 * It also groups the tags by profile (`x-tagGroups`, read by Scalar and Redoc):
 * a profile's tag names end with its title in parentheses (`Profiles`), and documents
 * the `Idempotency-Key` header that a middleware reads on every POST.
 */
import type { OpenApi } from "@effect/platform"
import type { Neutral } from "../profiles/HttpProfile.js"

const DECODE_ERROR_REF = "#/components/schemas/HttpApiDecodeError"

const onlyDecodeError = (response: unknown): boolean =>
  JSON.stringify((response as { content?: unknown }).content ?? null) ===
    JSON.stringify({ "application/json": { schema: { $ref: DECODE_ERROR_REF } } })

const withoutDecodeError = (node: unknown, key?: string): unknown => {
  if (Array.isArray(node)) return node.map((item) => withoutDecodeError(item))
  if (typeof node !== "object" || node === null) return node
  const entries = Object.entries(node)
    // A response that could only be the decode error is never sent (Diga's are 422s).
    .filter(([status, value]) => !(key === "responses" && status === "400" && onlyDecodeError(value)))
    .map(([name, value]) => [name, withoutDecodeError(value, name)] as const)
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

/** Every profile's tags, then Herald's own (publishing, the delivery log, health). */
const tagGroups = (profiles: ReadonlyArray<Pick<Neutral, "title">>, tags: ReadonlyArray<{ readonly name: string }>) => {
  const names = tags.map((tag) => tag.name)
  const profiled = profiles.map(({ title }) => ({ name: title, tags: names.filter((tag) => tag.endsWith(`(${title})`)) }))
  const claimed = new Set(profiled.flatMap((group) => group.tags))
  return [...profiled, { name: "Herald (every profile)", tags: names.filter((tag) => !claimed.has(tag)) }]
    .filter((group) => group.tags.length > 0)
}

/** `Idempotency-Key` (read by `edge/Idempotency`) as an OpenAPI parameter, defined once. */
const headerParameter = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "Makes a retry of this POST safe: the same key with the same request (method, path, body) within 24 hours replays the first successful response, marked `Idempotent-Replayed: true`, instead of running again. The same key with a different request is a 422; while the first request is still running, a 409 (retry it). Failed requests (4xx, 5xx) are not kept. Keys are per API key.",
  schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[!-~]+$" }
}

/** Documents `Idempotency-Key` on every POST of an OpenAPI document. */
const documentHeader = (spec: Record<string, unknown>): Record<string, unknown> => {
  const ref = { $ref: "#/components/parameters/IdempotencyKey" }
  const items = spec["paths"] as Record<string, Record<string, unknown>>
  const paths = Object.fromEntries(Object.entries(items).map(([path, item]) => {
    const post = item["post"] as { readonly parameters?: ReadonlyArray<unknown> } | undefined
    return [path, post === undefined ? item : { ...item, post: { ...post, parameters: [...(post.parameters ?? []), ref] } }]
  }))
  const components = spec["components"] as { readonly parameters?: Record<string, unknown> }
  const parameters = { ...components.parameters, IdempotencyKey: headerParameter }
  return { ...spec, paths, components: { ...components, parameters } }
}

/** The cleanup, with the tags grouped by `profiles` (the registry's). */
export const transform = (profiles: ReadonlyArray<Pick<Neutral, "title">>) => (spec: Record<string, unknown>): Record<string, unknown> => {
  const cleaned = withoutDecodeError(spec) as OpenApi.OpenAPISpec
  const schemas = { ...cleaned.components.schemas }
  delete schemas["HttpApiDecodeError"]
  // Drop the schemas only the decode error used, once nothing refers to them.
  for (const name of ["Issue", "PropertyKey"]) {
    const others = JSON.stringify({ ...cleaned, components: { ...cleaned.components, schemas: { ...schemas, [name]: undefined } } })
    if (!others.includes(`#/components/schemas/${name}"`)) delete schemas[name]
  }
  return documentHeader({
    ...cleaned,
    components: { ...cleaned.components, schemas },
    "x-tagGroups": tagGroups(profiles, cleaned.tags)
  })
}
