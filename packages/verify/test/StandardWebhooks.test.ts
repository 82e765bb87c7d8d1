import { describe, expect, it } from "vitest"
import {
  signStandardWebhook,
  verifyAndParseStandardWebhook,
  verifyStandardWebhook,
  WebhookVerificationError,
  type HeaderBag
} from "../src/index.js"

// The worked example published with the Standard Webhooks / Svix docs.
const vector = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
}
const { secret, id, timestamp: t, payload } = vector
const otherSecret = "whsec_" + Buffer.alloc(24, 7).toString("base64")

const headers = (signature = vector.signature, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
  "webhook-id": id,
  "webhook-timestamp": String(t),
  "webhook-signature": signature,
  ...overrides
})

const verify = (bag: HeaderBag, extra: { payload?: string | Uint8Array; now?: number; secret?: string | string[] } = {}) =>
  verifyStandardWebhook({ payload: extra.payload ?? payload, headers: bag, secret: extra.secret ?? secret, now: extra.now ?? t })

describe("signStandardWebhook", () => {
  it("reproduces the published test vector", () => {
    expect(signStandardWebhook({ id, payload, secret, timestamp: t })).toEqual({
      "webhook-id": id,
      "webhook-timestamp": String(t),
      "webhook-signature": vector.signature
    })
  })

  it("keys with the base64-decoded secret, so the whsec_ prefix is optional", () => {
    const bare = signStandardWebhook({ id, payload, secret: secret.slice("whsec_".length), timestamp: t })
    expect(bare["webhook-signature"]).toBe(vector.signature)
  })

  it("emits one space-separated v1 entry per secret", () => {
    const both = signStandardWebhook({ id, payload, secret: [secret, otherSecret], timestamp: t })["webhook-signature"]
    expect(both.split(" ")).toHaveLength(2)
    expect(both.startsWith(vector.signature + " v1,")).toBe(true)
  })

  it.each([
    ["empty id", { id: "" }],
    ["padded id", { id: " msg_1 " }],
    ["non-base64 secret", { secret: "whsec_not base64!" }],
    ["empty base64 secret", { secret: "whsec_" }],
    ["fractional timestamp", { timestamp: 1.5 }]
  ])("throws TypeError for %s", (_name, override) => {
    expect(() => signStandardWebhook({ id, payload, secret, timestamp: t, ...override })).toThrow(TypeError)
  })
})

describe("verifyStandardWebhook: accepts", () => {
  it("the published test vector, returning id and timestamp", () => {
    expect(verify(headers())).toEqual({ ok: true, id, timestamp: t })
  })

  it("any header-name casing in a plain record, and fetch Headers", () => {
    const mixed = { "Webhook-Id": id, "WEBHOOK-TIMESTAMP": String(t), "webhook-Signature": vector.signature }
    expect(verify(mixed).ok).toBe(true)
    expect(verify(new Headers(mixed)).ok).toBe(true)
  })

  it("Node-style array values holding a single value", () => {
    expect(verify({ "webhook-id": [id], "webhook-timestamp": [String(t)], "webhook-signature": [vector.signature] }).ok).toBe(true)
  })

  it("any matching entry among several, skipping other versions and extra spaces", () => {
    const wrong = signStandardWebhook({ id, payload, secret: otherSecret, timestamp: t })["webhook-signature"]
    expect(verify(headers(`v1a,c29tZSBlZDI1NTE5IHNpZw==   ${wrong} ${vector.signature} `)).ok).toBe(true)
  })

  it("with a rotation set on the receiver", () => {
    expect(verify(headers(), { secret: [otherSecret, secret] }).ok).toBe(true)
    expect(verify(headers(), { secret: [otherSecret] })).toEqual({ ok: false, reason: "no_matching_signature" })
  })

  it("header values that happen to be words like missing or ambiguous", () => {
    for (const word of ["missing", "ambiguous", "value"]) {
      const signed = signStandardWebhook({ id: word, payload, secret, timestamp: t })
      expect(verify(signed)).toEqual({ ok: true, id: word, timestamp: t })
    }
  })

  it("a Uint8Array body equal to the string's UTF-8 bytes", () => {
    expect(verify(headers(), { payload: new TextEncoder().encode(payload) }).ok).toBe(true)
    expect(verify(headers(), { payload: Buffer.from(payload) }).ok).toBe(true)
  })

  it("timestamps at the tolerance boundary", () => {
    expect(verify(headers(), { now: t + 300 }).ok).toBe(true)
    expect(verify(headers(), { now: t - 300 }).ok).toBe(true)
  })
})

describe("verifyStandardWebhook: rejects", () => {
  it("a tampered body, a wrong secret, a swapped id and a re-written timestamp", () => {
    const noMatch = { ok: false, reason: "no_matching_signature" }
    expect(verify(headers(), { payload: payload.replace("2432232314", "2432232315") })).toEqual(noMatch)
    expect(verify(headers(), { secret: otherSecret })).toEqual(noMatch)
    expect(verify(headers(vector.signature, { "webhook-id": "msg_other" }))).toEqual(noMatch)
    expect(verify(headers(vector.signature, { "webhook-timestamp": String(t + 1) }))).toEqual(noMatch)
  })

  it("expired and future timestamps", () => {
    expect(verify(headers(), { now: t + 301 })).toEqual({ ok: false, reason: "timestamp_outside_tolerance" })
    expect(verify(headers(), { now: t - 301 })).toEqual({ ok: false, reason: "timestamp_outside_tolerance" })
  })

  it.each(["webhook-id", "webhook-timestamp", "webhook-signature"])("a missing or blank %s", (name) => {
    expect(verify(headers(vector.signature, { [name]: undefined }))).toEqual({ ok: false, reason: "missing_header" })
    expect(verify(headers(vector.signature, { [name]: "  " }))).toEqual({ ok: false, reason: "missing_header" })
    const partial = new Headers(headers() as Record<string, string>)
    partial.delete(name)
    expect(verify(partial)).toEqual({ ok: false, reason: "missing_header" })
  })

  it("no headers at all", () => {
    expect(verify({})).toEqual({ ok: false, reason: "missing_header" })
  })

  const b64 = vector.signature.slice(3)
  it.each([
    ["timestamp abc", { "webhook-timestamp": "abc" }],
    ["timestamp fractional", { "webhook-timestamp": `${t}.0` }],
    ["timestamp leading zero", { "webhook-timestamp": `0${t}` }],
    ["timestamp negative", { "webhook-timestamp": `-${t}` }],
    ["signature without comma", { "webhook-signature": "v1" }],
    ["signature without version", { "webhook-signature": `,${b64}` }],
    ["signature not base64", { "webhook-signature": "v1,!!!!" + b64.slice(4) }],
    ["signature truncated", { "webhook-signature": `v1,${b64.slice(0, 40)}` }],
    ["signature without padding", { "webhook-signature": `v1,${b64.slice(0, -1)}` }],
    ["only other versions", { "webhook-signature": `v2,${b64} v1a,${b64}` }],
    ["comma-separated entries", { "webhook-signature": `${vector.signature},${vector.signature}` }],
    ["huge signature header", { "webhook-signature": `${vector.signature} `.repeat(100_000) }]
  ])("a malformed header: %s", (_name, override) => {
    expect(verify(headers(vector.signature, override))).toEqual({ ok: false, reason: "malformed_header" })
  })

  it("the same header given twice with different values (case-variant keys or arrays)", () => {
    expect(verify({ ...headers(), "Webhook-Id": "msg_other" })).toEqual({ ok: false, reason: "malformed_header" })
    expect(verify({ ...headers(), "webhook-timestamp": [String(t), String(t + 1)] })).toEqual({
      ok: false,
      reason: "malformed_header"
    })
  })

  it("junk header values from untyped JS callers without throwing", () => {
    for (const junk of [42, {}, [1], null]) {
      const bag = { ...headers(), "webhook-signature": junk } as unknown as HeaderBag
      expect(verify(bag).ok).toBe(false)
    }
  })

  it("a bad secret with a TypeError, since that is configuration rather than input", () => {
    expect(() => verify(headers(), { secret: "whsec_***" })).toThrow(TypeError)
    expect(() => verify(headers(), { secret: [] })).toThrow(TypeError)
  })
})

describe("verifyAndParseStandardWebhook", () => {
  it("returns the parsed body", () => {
    expect(verifyAndParseStandardWebhook({ payload, headers: headers(), secret, now: t })).toEqual({ test: 2432232314 })
  })

  it("throws WebhookVerificationError with the reason", () => {
    expect(() => verifyAndParseStandardWebhook({ payload, headers: headers(), secret, now: t + 301 })).toThrow(
      WebhookVerificationError
    )
    expect(() => verifyAndParseStandardWebhook({ payload: "{", headers: {}, secret, now: t })).toThrow(
      expect.objectContaining({ reason: "missing_header" })
    )
    const signed = signStandardWebhook({ id, payload: "{", secret, timestamp: t })
    expect(() => verifyAndParseStandardWebhook({ payload: "{", headers: signed, secret, now: t })).toThrow(
      expect.objectContaining({ reason: "invalid_json" })
    )
  })
})
