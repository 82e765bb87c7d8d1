/**
 * What a request's bad input is told, in every profile: the field as it was
 * sent, what was wrong and what is accepted, in words (never a schema's name, a
 * description read as a type, or "Expected undefined"); at most a few issues and
 * how many there were, however much of the input is wrong; and only the forms of
 * numbers and dates the contract documents.
 */
import { HttpApi } from "@effect/platform"
import { Either, Option, Schema, SchemaAST as AST } from "effect"
import type { ParseOptions } from "effect/SchemaAST"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HeraldApi } from "@herald/http/Contract"
import { isReported, report } from "@herald/http/contract/InputIssues"
import { backends, KEY_ACME, type RunningApp, start } from "./support/Harness.js"

describe("every request schema", () => {
  it("is declared with InputIssues.reported, so its decode errors are in words", () => {
    const unreported: Array<string> = []
    let schemas = 0
    HttpApi.reflect(HeraldApi, {
      onGroup: () => {},
      onEndpoint: ({ endpoint }) => {
        for (const [part, schema] of [["payload", endpoint.payloadSchema], ["query", endpoint.urlParamsSchema]] as const) {
          if (Option.isNone(schema)) continue
          schemas++
          if (!isReported(schema.value.ast)) unreported.push(`${endpoint.method} ${endpoint.path} ${part}`)
        }
      }
    })
    expect(schemas).toBeGreaterThanOrEqual(15)
    expect(unreported).toEqual([])
  })
})

describe("every list and map in a request schema", () => {
  it("stops at its first invalid item (InputIssues.firstInvalidItem), so decoding does not grow with it", () => {
    const unbounded: Array<string> = []
    let lists = 0
    const visit = (ast: AST.AST, where: string): void => {
      if ((AST.isTupleType(ast) && ast.rest.length > 0) || (AST.isTypeLiteral(ast) && ast.indexSignatures.length > 0)) {
        lists++
        if (Option.getOrUndefined(AST.getParseOptionsAnnotation(ast))?.errors !== "first") unbounded.push(where)
        return
      }
      switch (ast._tag) {
        case "TypeLiteral":
          return ast.propertySignatures.forEach((property) => visit(property.type, `${where}.${String(property.name)}`))
        case "TupleType":
          return ast.elements.forEach((element, index) => visit(element.type, `${where}[${index}]`))
        case "Union":
          return ast.types.forEach((member) => visit(member, where))
        case "Refinement":
          return visit(ast.from, where)
        case "Transformation":
          return [ast.from, ast.to].forEach((side) => visit(side, where))
        case "Suspend":
          return visit(ast.f(), where)
      }
    }
    HttpApi.reflect(HeraldApi, {
      onGroup: () => {},
      onEndpoint: ({ endpoint }) => {
        for (const [part, schema] of [["payload", endpoint.payloadSchema], ["query", endpoint.urlParamsSchema]] as const) {
          if (Option.isSome(schema)) visit(schema.value.ast, `${endpoint.method} ${endpoint.path} ${part}`)
        }
      }
    })
    // Datagrid's and Exa's events (create, update), Exa's metadata (create, update) and types, publish's data, Diga's subscribed_events (create, update),
    // a listener's events, an answer's headers and a batch publish's events.
    expect(lists).toBe(13)
    expect(unbounded).toEqual([])
  })
})

/** Words that belong to the decoder, not to a message for a user. */
const DECODER_WORDS = /Expected|actual|undefined|RequestBody|Parameters|Invalid Date|DigaWebhook|ExaEventType|WebhookEventType/

describe.each(backends)("on %s", (backend) => {
  let app: RunningApp
  beforeAll(async () => {
    app = await start({ backend })
  })
  afterAll(() => app.close())

  const call = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY_ACME}`, "x-api-key": KEY_ACME, "content-type": "application/json" },
      ...(body === undefined ? {} : { body })
    })
    const text = await response.text()
    return { status: response.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) }
  }

  interface ErrorBody {
    readonly detail?: ReadonlyArray<{ readonly loc: ReadonlyArray<string | number>; readonly msg: string }>
    readonly message?: string
    readonly error?: string
    readonly details?: { readonly issues: ReadonlyArray<{ readonly path: ReadonlyArray<string | number>; readonly message: string }> }
  }

  /** The messages of an error body, in whichever profile's shape it is. */
  const messagesOf = (body: ErrorBody): Array<string | undefined> =>
    body.detail !== undefined
      ? body.detail.map((entry) => entry.msg)
      : [body.message ?? body.error, ...(body.details?.issues ?? []).map((issue) => issue.message)]

  /** The issues of an error body as `{path, message}`, Diga's `loc` and `msg` included. */
  const issuesOf = (body: ErrorBody) =>
    body.detail?.map((entry) => ({ path: entry.loc, message: entry.msg })) ?? body.details?.issues

  describe("messages name the field and say what is accepted", () => {
    it.each([
      ["POST", "/v1/events", undefined, 400, [], "The request body is missing: it must be a JSON object with event_type and data"],
      ["POST", "/v1/events", "{\"data\":{}}", 400, ["event_type"], "event_type is required: a string"],
      ["GET", "/v1/webhooks?limit=1000", undefined, 400, ["limit"], "limit must be a whole number from 1 to 100, in decimal digits, not \"1000\""],
      ["PATCH", "/v1/webhooks/wh_01K000000000000000000000", "{\"events\":null}", 400, ["events"], "events must be an array, not null"],
      ["GET", "/v1/webhooks?cursor=zzz", undefined, 400, ["cursor"], "cursor must be a cursor from a previous page of this list, not \"zzz\""],
      [
        "GET",
        "/v1/events?created_after=yesterday",
        undefined,
        400,
        ["created_after"],
        "created_after must be an ISO 8601 date (2026-01-31) or date and time with a zone (2026-01-31T09:30:00Z), not \"yesterday\""
      ],
      ["POST", "/v1/webhooks/wh_01K000000000000000000000/recover", "{}", 400, ["since"], "since is required: an ISO 8601 date (2026-01-31) or date and time with a zone (2026-01-31T09:30:00Z)"],
      ["GET", "/v1/events?event_type=!!!", undefined, 400, ["event_type"], "event_type must be event types separated by commas, each lowercase words joined by dots (like invoice.paid,invoice.voided), not \"!!!\""],
      ["GET", "/v1/events?event_type=a.b,,%20Bad", undefined, 400, ["event_type"], "event_type must be event types separated by commas, each lowercase words joined by dots (like invoice.paid,invoice.voided), not \"Bad\""],
      ["GET", "/websets/v0/events?types=webset.created&types=Bad", undefined, 400, ["types", 1], "types[1] must be an event type, lowercase words joined by dots (like invoice.paid), not \"Bad\""],
      ["GET", "/v1/events?cursor=zzz", undefined, 400, ["cursor"], "cursor must be a cursor from a previous page of this list, not \"zzz\""],
      ["POST", "/v1/webhooks", "{\"url\":\"https://example.com/h\",\"events\":[\"batch_prediction.completed\"],\"rate_limit\":1.5}", 400, ["rate_limit"], "rate_limit must be an integer or null, not 1.5"],
      ["POST", "/v1/webhooks/wh_01K000000000000000000000/rotate-secret", "{\"overlap_seconds\":1.5}", 400, ["overlap_seconds"], "overlap_seconds must be an integer, not 1.5"],
      ["GET", "/websets/v0/webhooks?limit=abc", undefined, 400, ["limit"], "limit must be a whole number from 1 to 200, in decimal digits, not \"abc\""],
      ["GET", "/websets/v0/webhooks?cursor=nope", undefined, 400, ["cursor"], "cursor must be a cursor from a previous page of this list, not \"nope\""],
      ["POST", "/websets/v0/webhooks", "{\"url\":\"https://example.com/h\",\"events\":[7]}", 400, ["events", 0], "events[0] must be a string, not 7"],
      ["GET", "/v1/webhook/?page=9007199254740991", undefined, 422, ["query", "page"], "page must be a whole number from 1 to 1000000000, in decimal digits, not \"9007199254740991\""],
      ["GET", "/v1/webhook/?order=sideways", undefined, 422, ["query", "order"], "order must be one of \"asc\", \"desc\", not \"sideways\""],
      ["POST", "/v1/webhook/", "{\"subscribed_events\":[\"status_changed\"]}", 422, ["body", "url"], "url is required: a non-empty string"]
    ] as const)("%s %s %s", async (method, path, body, status, field, message) => {
      const result = await call(method, path, body)
      expect(result.status).toBe(status)
      expect(issuesOf(result.body)).toEqual([{ path: field, message }])
      for (const text of messagesOf(result.body)) expect(text).not.toMatch(DECODER_WORDS)
    })
  })

  describe("numbers and dates in query parameters", () => {
    it.each(["0x10", "%091", "1e1", "%2B5", "%201", "1.0", "-1", ""])("limit=%s is refused in every profile", async (limit) => {
      expect((await call("GET", `/v1/webhooks?limit=${limit}`)).status).toBe(400)
      expect((await call("GET", `/v1/events?limit=${limit}`)).status).toBe(400)
      expect((await call("GET", `/websets/v0/webhooks?limit=${limit}`)).status).toBe(400)
      expect((await call("GET", `/v1/webhook/?limit=${limit}`)).status).toBe(422)
    })

    it("limit in decimal digits is taken, leading zeros too", async () => {
      expect((await call("GET", "/v1/webhooks?limit=016")).status).toBe(200)
      expect((await call("GET", "/websets/v0/webhooks?limit=200")).status).toBe(200)
      expect((await call("GET", "/v1/webhook/?limit=5&page=2")).status).toBe(200)
    })

    it.each([
      "0",
      "1700000000000",
      "yesterday",
      "2026-13-01",
      "2026-01-31T09:30:00",
      "2026-01-31 09:30:00Z",
      "Jan 31 2026",
      // Dates that do not exist, which `Date` rolls over into the next month or day.
      "2026-02-30",
      "2026-02-29",
      "2100-02-29",
      "2026-04-31",
      "2026-00-10",
      "2026-01-00",
      "2026-01-31T24:00Z",
      "2026-01-31T09:60Z",
      "2026-01-31T09:30:60Z",
      "2026-01-31T09:30+24:00"
    ])(
      "created_after=%s is refused",
      async (date) => {
        const refused = await call("GET", `/v1/events?created_after=${encodeURIComponent(date)}`)
        expect(refused.status).toBe(400)
        expect(refused.body.details.issues[0].path).toEqual(["created_after"])
        expect((await call("GET", `/websets/v0/events?createdAfter=${encodeURIComponent(date)}`)).status).toBe(400)
      }
    )

    it.each(["2026-01-31", "2026-01-31T09:30Z", "2026-01-31T09:30:00Z", "2026-01-31T09:30:00.123+02:00", "2024-02-29", "2000-02-29T23:59:59-12:00"])(
      "created_after=%s is taken",
      async (date) => {
        expect((await call("GET", `/v1/events?created_after=${encodeURIComponent(date)}`)).status).toBe(200)
        expect((await call("GET", `/websets/v0/events?createdBefore=${encodeURIComponent(date)}`)).status).toBe(200)
      }
    )
  })

  describe("every invalid field is reported, and the first invalid item of a list", () => {
    const paths = (body: ErrorBody) => issuesOf(body)?.map((issue) => issue.path)

    it("Datagrid and native query parameters: every bad one", async () => {
      // A cursor is checked by core once the query decodes (one home for the check), so a bad
      // limit is reported first, and the cursor when the limit is right.
      const webhooks = await call("GET", "/v1/webhooks?limit=0&cursor=zzz")
      expect(paths(webhooks.body)).toEqual([["limit"]])
      expect(paths((await call("GET", "/v1/webhooks?limit=5&cursor=zzz")).body)).toEqual([["cursor"]])
      const events = await call("GET", "/v1/events?limit=0&created_after=yesterday")
      expect(paths(events.body)).toEqual([["limit"], ["created_after"]])
    })

    it("Datagrid and native bodies, which refuse unknown fields, report their first issue (decoding every unknown key costs too much)", async () => {
      const result = await call("PATCH", "/v1/webhooks/wh_01K000000000000000000000", JSON.stringify({ url: 5, events: 7, enable: 1 }))
      expect(result.status).toBe(400)
      expect(paths(result.body)).toEqual([["enable"]])
      const published = await call("POST", "/v1/events", JSON.stringify({ event_type: 1, data: [], id: 2 }))
      expect(paths(published.body)).toEqual([["event_type"]])
    })

    it("Exa: every bad field, and the first bad entry of metadata", async () => {
      const result = await call("PATCH", "/websets/v0/webhooks/x", JSON.stringify({ events: 7, url: 5, metadata: { a: 1, b: 2 } }))
      expect(result.status).toBe(400)
      expect(paths(result.body)).toEqual([["events"], ["url"], ["metadata", "a"]])
      expect(result.body.details.issueCount).toBe(3)
      const listed = await call("GET", "/websets/v0/webhooks?limit=abc&cursor=nope")
      expect(paths(listed.body)).toEqual([["limit"]])
      expect(paths((await call("GET", "/websets/v0/webhooks?limit=5&cursor=nope")).body)).toEqual([["cursor"]])
    })
  })

  it("an impossible date in a body is refused too, not rolled over", async () => {
    const created = await call(
      "POST",
      "/v1/webhooks",
      JSON.stringify({ url: "https://example.com/dates", events: ["batch_prediction.completed"] })
    )
    expect(created.status).toBe(201)
    const recovered = await call("POST", `/v1/webhooks/${created.body.id}/recover`, JSON.stringify({ since: "2026-02-30" }))
    expect(recovered.status).toBe(400)
    expect(issuesOf(recovered.body)).toEqual([
      { path: ["since"], message: expect.stringMatching(/^since must be an ISO 8601 date .*, not "2026-02-30"$/) }
    ])
  })

  describe("Exa metadata keys", () => {
    const create = (key: string) =>
      call("POST", "/websets/v0/webhooks", JSON.stringify({ url: "https://example.com/h", events: ["webset.created"], metadata: { [key]: "v" } }))

    it("are at most 256 characters", async () => {
      const refused = await create("k".repeat(500_000))
      expect(refused.status).toBe(400)
      expect(refused.body.details.issues).toEqual([{ path: ["metadata"], message: "metadata keys must be at most 256 characters; one has 500000" }])
      expect(refused.bytes).toBeLessThan(1_000)
      expect((await create("k".repeat(256))).status).toBe(200)
    })
  })

  describe("an error stays small however much of the input is wrong", () => {
    // About 1 MB each, within the default body limit of 1 MiB.
    const numbers = Array<number>(520_000).fill(1)
    const unknownTypes = Array<string>(260_000).fill("x")

    it.each([
      ["Datagrid", "/v1/webhooks", "events", 400],
      ["Exa", "/websets/v0/webhooks", "events", 400],
      ["Diga", "/v1/webhook/", "subscribed_events", 422]
    ])("%s: a list of 520,000 values of the wrong type", async (_profile, path, field, status) => {
      const result = await call("POST", path, JSON.stringify({ url: "https://example.com/h", [field]: numbers }))
      expect(result.status).toBe(status)
      expect(result.bytes).toBeLessThan(2_000)
      expect(messagesOf(result.body).join(" ")).toContain(`${field}[0] must be a string, not 1`)
    })

    it("Datagrid: 260,000 unknown event types list the first 10 and the count", async () => {
      const result = await call("POST", "/v1/webhooks", JSON.stringify({ url: "https://example.com/h", events: unknownTypes }))
      expect(result.status).toBe(400)
      expect(result.bytes).toBeLessThan(4_000)
      expect(result.body.details.issues).toHaveLength(10)
      expect(result.body.details.issue_count).toBe(260_000)
      expect(result.body.message).toContain("and 259990 more issues")
    })

    it("Exa: the same, in Exa's shape", async () => {
      const result = await call("POST", "/websets/v0/webhooks", JSON.stringify({ url: "https://example.com/h", events: unknownTypes }))
      expect(result.status).toBe(400)
      expect(result.bytes).toBeLessThan(4_000)
      expect(result.body.details.issues).toHaveLength(10)
      expect(result.body.details.issueCount).toBe(260_000)
    })

    it("Diga: the same, with the count as a last entry of detail", async () => {
      const result = await call("POST", "/v1/webhook/", JSON.stringify({ url: "https://example.com/h", subscribed_events: unknownTypes }))
      expect(result.status).toBe(422)
      expect(result.bytes).toBeLessThan(4_000)
      expect(result.body.detail).toHaveLength(11)
      expect(result.body.detail[10]).toEqual({ loc: ["body"], msg: "and 259990 more issues (260000 in all)", type: "too_many_errors" })
    })
  })
})

describe("InputIssues.report", () => {
  const messages = (schema: Schema.Schema.AnyNoContext, input: unknown, options?: ParseOptions) =>
    Either.match(Schema.decodeUnknownEither(schema, options)(input), {
      onLeft: (error) => report(error.issue),
      onRight: () => undefined
    })

  it("names an unknown field and the fields there are", () => {
    const schema = Schema.Struct({ url: Schema.String, enabled: Schema.optional(Schema.Boolean) })
    expect(messages(schema, { url: "u", enable: false }, { onExcessProperty: "error" })).toEqual({
      issues: [{ kind: "unexpected", path: ["enable"], message: "enable is not a field this request takes; it takes url and enabled" }],
      count: 1
    })
  })

  it("says null is accepted where it is, and names nested keys as written", () => {
    const schema = Schema.Struct({
      rate_limit: Schema.optional(Schema.NullOr(Schema.Int)),
      metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
    })
    expect(messages(schema, { rate_limit: "x", metadata: { "a b": 1 } }, { errors: "all" })).toEqual({
      issues: [
        { kind: "type", path: ["rate_limit"], message: "rate_limit must be an integer or null, not \"x\"" },
        { kind: "type", path: ["metadata", "a b"], message: "metadata[\"a b\"] must be a string, not 1" }
      ],
      count: 2
    })
  })

  it("puts Effect's filters in words, not the schema's documentation", () => {
    const schema = Schema.Struct({
      size: Schema.Number.pipe(Schema.int(), Schema.between(1, 10)).annotations({ description: "How many, says the doc." }),
      name: Schema.String.pipe(Schema.minLength(1)).annotations({ description: "The name." }),
      code: Schema.String.pipe(Schema.minLength(2), Schema.maxLength(4))
    })
    expect(messages(schema, { size: 11, name: "", code: "x" }, { errors: "all" })?.issues.map((issue) => issue.message)).toEqual([
      "size must be an integer from 1 to 10, not 11",
      "name must be a non-empty string, not \"\"",
      "code must be a string from 2 to 4 characters, not \"x\""
    ])
  })

  it("lists the first 10 issues and counts them all, and shows long values briefly", () => {
    const result = messages(Schema.Array(Schema.String), Array.from({ length: 1_000 }, (_, i) => i), { errors: "all" })
    expect(result?.count).toBe(1_000)
    expect(result?.issues).toHaveLength(10)
    const long = messages(Schema.Struct({ n: Schema.Number }), { n: "y".repeat(100_000) })
    expect(long?.issues[0]?.message).toBe(`n must be a number, not "${"y".repeat(40)}..."`)
  })
})
