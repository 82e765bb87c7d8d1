/**
 * The `EventSchemas` port on Ajv: JSON Schema draft 2020-12 (and draft-07 when
 * a schema says `$schema: http://json-schema.org/draft-07/schema#`), with the
 * formats of `ajv-formats`, in strict mode so that a misspelt keyword
 * (`requried`) is refused when the schema is registered instead of silently
 * checking nothing. References resolve only inside the schema: nothing is
 * fetched. Each schema is compiled once (`EventTypes` keeps the compiled check).
 *
 * A schema is a teamspace's own input, run in the API's process for every
 * publish of its type, so nothing in it may reach another teamspace's or stall
 * the process:
 * - each schema is compiled by an Ajv instance of its own (about a millisecond):
 *   its `$id`s never enter a registry another schema resolves against, and can
 *   never displace the meta-schemas (the shared instances only check schemas
 *   against them, adding nothing);
 * - `pattern`s run on RE2 (`re2js`), in time linear in the text, so no pattern
 *   backtracks catastrophically; RE2 has no lookarounds or backreferences, and a
 *   pattern with one is refused when registered;
 * - its size is capped (`EventTypes.MAX_JSON_BYTES`).
 */
import { EventSchemas } from "@herald/core"
import { Ajv, type ErrorObject, type Options } from "ajv"
import { Ajv2020 } from "ajv/dist/2020.js"
import addFormats from "ajv-formats"
import { Either, Layer } from "effect"
import { RE2JS } from "re2js"

const DRAFT_07 = new Set(["http://json-schema.org/draft-07/schema#", "http://json-schema.org/draft-07/schema"])
const DRAFT_2020_12 = new Set(["https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2020-12/schema#"])

/**
 * Patterns on RE2: linear time whatever the pattern and the text. Ajv calls it once per pattern,
 * when it compiles the schema; a pattern RE2 cannot run throws there, and the schema is refused.
 */
type RegExpEngine = NonNullable<NonNullable<Options["code"]>["regExp"]>

const re2: RegExpEngine = Object.assign((pattern: string) => {
  const compiled = RE2JS.compile(pattern)
  return { test: (text: string) => compiled.matcher(text).find() }
}, { code: "re2js" })

const shared: Options = {
  allErrors: true,
  // Unknown keywords are refused (typos); types may be left implicit, as most schemas do.
  strict: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  code: { regExp: re2 }
}

/** Annotations in schemas written for OpenAPI, accepted like the standard ones (`examples`, `title`). */
const ANNOTATIONS = ["example"]

type AjvClass = new(options: Options) => Ajv

const withVocabulary = (ajv: Ajv): Ajv => {
  addFormats.default(ajv)
  for (const keyword of ANNOTATIONS) ajv.addKeyword(keyword)
  return ajv
}

/** An instance that checks schemas against its draft's meta-schema, and compiles none. */
const checker = (Class: AjvClass) => withVocabulary(new Class(shared))

/** An instance for one schema: no meta-schemas, no registry shared with another schema. */
const compiler = (Class: AjvClass) => withVocabulary(new Class({ ...shared, meta: false, validateSchema: false }))

/** A JSON Pointer's segments, as a path: indices into arrays as numbers (`items[0]`), read along `value`. */
const pathOf = (pointer: string, value: unknown): Array<string | number> => {
  if (pointer === "") return []
  const path: Array<string | number> = []
  let at = value
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~")
    const index = Array.isArray(at) && /^\d+$/.test(segment) ? Number(segment) : undefined
    path.push(index ?? segment)
    at = at !== null && typeof at === "object" ? (at as Record<string, unknown>)[segment] : undefined
  }
  return path
}

/** An Ajv error as a mismatch: a missing or extra property named in the path, the rest as Ajv says it. */
const mismatchOf = (error: ErrorObject, value: unknown): EventSchemas.Mismatch => {
  const path = pathOf(error.instancePath, value)
  switch (error.keyword) {
    case "required":
      return { path: [...path, String(error.params["missingProperty"])], message: "is required" }
    case "additionalProperties":
      return { path: [...path, String(error.params["additionalProperty"])], message: "is not allowed (additionalProperties)" }
    case "unevaluatedProperties":
      return { path: [...path, String(error.params["unevaluatedProperty"])], message: "is not allowed (unevaluatedProperties)" }
    case "enum":
      return { path, message: `must be one of ${JSON.stringify(error.params["allowedValues"]).slice(0, 200)}` }
    default:
      return { path, message: error.message ?? `fails ${error.keyword}` }
  }
}

/** Ajv's errors as mismatches, the summary `anyOf`/`oneOf` lines left out when more precise ones are there. */
const mismatchesOf = (errors: ReadonlyArray<ErrorObject>, value: unknown): ReadonlyArray<EventSchemas.Mismatch> => {
  const precise = errors.filter((error) => error.keyword !== "anyOf" && error.keyword !== "oneOf")
  return (precise.length > 0 ? precise : errors).map((error) => mismatchOf(error, value))
}

/** The first mismatch at each path: a schema's mistake is said once (Ajv adds each failed `anyOf` branch's). */
const firstPerPath = (mismatches: ReadonlyArray<EventSchemas.Mismatch>): ReadonlyArray<EventSchemas.Mismatch> => {
  const seen = new Set<string>()
  return mismatches.filter((mismatch) => {
    const key = JSON.stringify(mismatch.path)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** The path of the first object in `schema` with the key `keyword`: where strict mode found it (Ajv does not say). */
const locate = (schema: unknown, keyword: string, path: Array<string | number> = []): Array<string | number> | undefined => {
  if (schema === null || typeof schema !== "object") return undefined
  if (!Array.isArray(schema) && Object.hasOwn(schema, keyword)) return path
  for (const [key, value] of Object.entries(schema)) {
    const found = locate(value, keyword, [...path, Array.isArray(schema) ? Number(key) : key])
    if (found !== undefined) return found
  }
  return undefined
}

/** Why compiling `schema` threw, at the place in it when that can be found. */
const compileFailure = (schema: unknown, message: string): EventSchemas.Mismatch => {
  const unknown = /^strict mode: unknown keyword: "(.*)"$/.exec(message)
  if (unknown !== null) {
    const keyword = unknown[1]!
    return {
      path: locate(schema, keyword) ?? [],
      message: `has an unknown keyword ${JSON.stringify(keyword)}, which would check nothing (misspelt?)`
    }
  }
  return {
    path: [],
    message: message.startsWith("error parsing regexp")
      ? `has a pattern that is not accepted: ${message} (patterns run on RE2, in linear time: no lookarounds or backreferences)`
      : `is not accepted: ${message}`
  }
}

/** A new validator; for composing it yourself. Most callers want `layer`. */
export const make = (): EventSchemas.EventSchemasShape => {
  const draft2020 = checker(Ajv2020 as unknown as AjvClass)
  const draft07 = checker(Ajv)

  const compile = (schema: unknown): Either.Either<EventSchemas.Check, ReadonlyArray<EventSchemas.Mismatch>> => {
    if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
      return Either.left([{ path: [], message: "must be a JSON object (a JSON Schema)" }])
    }
    const declared = (schema as Record<string, unknown>)["$schema"]
    if (declared !== undefined && !(typeof declared === "string" && (DRAFT_07.has(declared) || DRAFT_2020_12.has(declared)))) {
      return Either.left([{
        path: ["$schema"],
        message:
          "must be https://json-schema.org/draft/2020-12/schema or http://json-schema.org/draft-07/schema#, or be left out (2020-12)"
      }])
    }
    const older = typeof declared === "string" && DRAFT_07.has(declared)
    try {
      const meta = older ? draft07 : draft2020
      if (!meta.validateSchema(schema)) return Either.left(firstPerPath(mismatchesOf(meta.errors ?? [], schema)))
      const validate = compiler(older ? Ajv : Ajv2020 as unknown as AjvClass).compile(schema)
      return Either.right((data) => validate(data) ? [] : mismatchesOf(validate.errors ?? [], data))
    } catch (error) {
      // Strict mode's refusals (an unknown keyword), a reference it cannot resolve, a pattern RE2 cannot run.
      return Either.left([compileFailure(schema, error instanceof Error ? error.message : String(error))])
    }
  }

  return { compile }
}

/** Provides Herald's `EventSchemas` on Ajv. `@herald/runtime` composes it. */
export const layer: Layer.Layer<EventSchemas.EventSchemas> = Layer.sync(EventSchemas.EventSchemas, make)
