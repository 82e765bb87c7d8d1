/**
 * The `EventSchemas` port on Ajv: JSON Schema draft 2020-12 (and draft-07 when
 * a schema says `$schema: http://json-schema.org/draft-07/schema#`), with the
 * formats of `ajv-formats`, in strict mode so that a misspelt keyword
 * (`requried`) is refused when the schema is registered instead of silently
 * checking nothing. References resolve only inside the schema: nothing is
 * fetched. Each schema is compiled once (`EventTypes` keeps the compiled check).
 *
 * A schema is the registering teamspace's own input: its size is capped
 * (`EventTypes.MAX_JSON_BYTES`), remote references are refused, and compiled
 * schemas are not kept in Ajv's registry (a teamspace's `$id` cannot clash with
 * another's). Its regular expressions (`pattern`) run on the API's process:
 * see README, "Event types".
 */
import { EventSchemas } from "@herald/core"
import { Ajv, type ErrorObject, type Options } from "ajv"
import { Ajv2020 } from "ajv/dist/2020.js"
import addFormats from "ajv-formats"
import { Either, Layer } from "effect"

const DRAFT_07 = new Set(["http://json-schema.org/draft-07/schema#", "http://json-schema.org/draft-07/schema"])
const DRAFT_2020_12 = new Set(["https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2020-12/schema#"])

const options: Options = {
  allErrors: true,
  // Unknown keywords are refused (typos); types may be left implicit, as most schemas do.
  strict: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  // Compiled schemas stay out of the instance's registry: ids of different teamspaces never clash.
  addUsedSchema: false
}

/** Annotations in schemas written for OpenAPI, accepted like the standard ones (`examples`, `title`). */
const ANNOTATIONS = ["example"]

const makeAjv = <A extends Ajv>(Class: new(options: Options) => A): A => {
  const ajv = new Class(options)
  addFormats.default(ajv)
  for (const keyword of ANNOTATIONS) ajv.addKeyword(keyword)
  return ajv
}

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
    default:
      return { path, message: error.message ?? `fails ${error.keyword}` }
  }
}

/** Ajv's errors as mismatches, the summary `anyOf`/`oneOf` lines left out when more precise ones are there. */
const mismatchesOf = (errors: ReadonlyArray<ErrorObject>, value: unknown): ReadonlyArray<EventSchemas.Mismatch> => {
  const precise = errors.filter((error) => error.keyword !== "anyOf" && error.keyword !== "oneOf")
  return (precise.length > 0 ? precise : errors).map((error) => mismatchOf(error, value))
}

/** A new validator (two Ajv instances, one per draft); for composing it yourself. Most callers want `layer`. */
export const make = (): EventSchemas.EventSchemasShape => {
  const draft2020 = makeAjv(Ajv2020)
  const draft07 = makeAjv(Ajv)

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
    const ajv = typeof declared === "string" && DRAFT_07.has(declared) ? draft07 : draft2020
    if (!ajv.validateSchema(schema)) return Either.left(mismatchesOf(ajv.errors ?? [], schema))
    try {
      const validate = ajv.compile(schema)
      return Either.right((data) => validate(data) ? [] : mismatchesOf(validate.errors ?? [], data))
    } catch (error) {
      // Strict mode's refusals (an unknown keyword), a reference it cannot resolve, a bad pattern.
      return Either.left([{ path: [], message: `is not accepted: ${error instanceof Error ? error.message : String(error)}` }])
    } finally {
      // Ajv caches compiled schemas by object; each schema is compiled once, by EventTypes' cache.
      ajv.removeSchema(schema)
    }
  }

  return { compile }
}

/** Provides Herald's `EventSchemas` on Ajv. `@herald/runtime` composes it. */
export const layer: Layer.Layer<EventSchemas.EventSchemas> = Layer.sync(EventSchemas.EventSchemas, make)
