import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { JsonSchemas } from "../src/index.js"

const validator = JsonSchemas.make()

const compiled = (schema: unknown) => {
  const result = validator.compile(schema)
  if (Either.isLeft(result)) throw new Error(`refused: ${JSON.stringify(result.left)}`)
  return result.right
}

const refusal = (schema: unknown) => {
  const result = validator.compile(schema)
  if (Either.isRight(result)) throw new Error("accepted")
  return result.left
}

const order = {
  type: "object",
  required: ["amount", "items"],
  properties: {
    amount: { type: "integer", minimum: 0 },
    at: { type: "string", format: "date-time" },
    items: { type: "array", items: { type: "object", properties: { sku: { type: "string" } }, additionalProperties: false } }
  }
}

describe("JsonSchemas", () => {
  it("accepts matching data", () => {
    expect(compiled(order)({ amount: 3, at: "2026-12-05T10:00:00Z", items: [{ sku: "a" }] })).toEqual([])
  })

  it("names each mismatch by its path, array indices as numbers", () => {
    expect(compiled(order)({ amount: "3", at: "yesterday", items: [{ sku: 1, extra: true }] })).toEqual([
      { path: ["amount"], message: "must be integer" },
      { path: ["at"], message: "must match format \"date-time\"" },
      { path: ["items", 0, "extra"], message: "is not allowed (additionalProperties)" },
      { path: ["items", 0, "sku"], message: "must be string" }
    ])
  })

  it("names a missing property", () => {
    expect(compiled(order)({ items: [] })).toEqual([{ path: ["amount"], message: "is required" }])
  })

  it("refuses a misspelt keyword (strict mode), saying which and where", () => {
    expect(refusal({ type: "object", requried: ["amount"] })).toEqual([
      { path: [], message: "has an unknown keyword \"requried\", which would check nothing (misspelt?)" }
    ])
    expect(refusal({ type: "object", properties: { x: { type: "string", maxLenght: 3 } } })[0]?.path).toEqual(["properties", "x"])
  })

  it("refuses an unknown type name at its path in the schema, once", () => {
    expect(refusal({ type: "object", properties: { a: { type: "strnig" } } })).toHaveLength(1)
    expect(refusal({ type: "object", properties: { a: { type: "strnig" } } })[0]).toEqual({
      path: ["properties", "a", "type"],
      message: "must be one of [\"array\",\"boolean\",\"integer\",\"null\",\"number\",\"object\",\"string\"]"
    })
  })

  it("refuses a reference outside the schema without fetching it", () => {
    expect(refusal({ $ref: "https://example.com/schema.json" })[0]?.message).toContain("can't resolve reference")
  })

  it("refuses a pattern that is not a regular expression", () => {
    expect(refusal({ type: "string", pattern: "(" })[0]?.message).toContain("missing closing )")
  })

  it("refuses an unknown $schema, and a schema that is not an object", () => {
    expect(refusal({ $schema: "http://json-schema.org/draft-04/schema#" })[0]?.path).toEqual(["$schema"])
    expect(refusal([{ type: "object" }])[0]?.message).toBe("must be a JSON object (a JSON Schema)")
  })

  it("checks draft-07 schemas by draft-07 rules", () => {
    // In draft-07, `items` as an array is a tuple; in 2020-12 it must be a schema.
    const tuple = { $schema: "http://json-schema.org/draft-07/schema#", type: "array", items: [{ type: "string" }] }
    expect(compiled(tuple)([1])).toEqual([{ path: [0], message: "must be string" }])
    expect(Either.isLeft(validator.compile({ ...tuple, $schema: undefined }))).toBe(true)
  })

  it("compiles two schemas with one $id (two teamspaces' schemas never clash)", () => {
    const first = compiled({ $id: "https://example.com/order", type: "object", required: ["a"] })
    const second = compiled({ $id: "https://example.com/order", type: "object", required: ["b"] })
    expect(first({ b: 1 })).toEqual([{ path: ["a"], message: "is required" }])
    expect(second({ a: 1 })).toEqual([{ path: ["b"], message: "is required" }])
  })

  it("accepts OpenAPI's `example` annotation", () => {
    expect(compiled({ type: "object", example: { a: 1 } })({ a: 1 })).toEqual([])
  })
})

describe("JsonSchemas, given hostile schemas", () => {
  it("keeps a schema's $id to itself: the meta-schema's own id neither breaks nor leaks into another schema", () => {
    compiled({ $id: "https://json-schema.org/draft/2020-12/schema", type: "object" })
    compiled({ $id: "http://json-schema.org/draft-07/schema", type: "object" })
    // Every later schema is still checked against the meta-schemas, of both drafts.
    expect(refusal({ type: "strnig" })[0]?.path).toEqual(["type"])
    expect(refusal({ $schema: "http://json-schema.org/draft-07/schema#", type: "strnig" })[0]?.path).toEqual(["type"])
    // A nested $id of one schema is not something another schema can refer to.
    compiled({ type: "object", $defs: { secret: { $id: "https://example.com/shared", type: "string" } } })
    expect(refusal({ $ref: "https://example.com/shared" })[0]?.message).toContain("can't resolve reference")
  })

  it("runs patterns in linear time: a pattern that backtracks badly elsewhere answers at once", () => {
    const check = compiled({ type: "string", pattern: "^(x+x+)+y$" })
    // Backtracking engines take minutes on this; RE2 answers in milliseconds (no timing asserted: it returns).
    expect(check("x".repeat(5_000))).toEqual([{ path: [], message: "must match pattern \"^(x+x+)+y$\"" }])
    expect(check("xxy")).toEqual([])
  })

  it("refuses lookarounds and backreferences, which RE2 cannot run, saying so", () => {
    for (const pattern of ["^(?=a)b", "(a)\\1"]) {
      const [mismatch] = refusal({ type: "string", pattern })
      expect(mismatch?.message, pattern).toContain("patterns run on RE2")
    }
  })

  it("names the allowed values of an enum", () => {
    expect(compiled({ enum: ["paid", "refunded"] })("lost")).toEqual([{ path: [], message: "must be one of [\"paid\",\"refunded\"]" }])
  })
})
