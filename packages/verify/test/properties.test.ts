import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { signPayload, signStandardWebhook, verifySignature, verifyStandardWebhook } from "../src/index.js"

// Whole code points (no lone surrogates): two strings differing only in lone surrogates
// encode to the same UTF-8 bytes, so "a different string must fail" would not hold.
const body = fc.string({ unit: "binary", maxLength: 300 })
const codePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => String.fromCodePoint(c))

/** Any one-code-point edit of `original`: replace, insert or delete. Always a different string. */
const mutationOf = (original: string) => {
  const chars = Array.from(original)
  const replace = fc
    .tuple(fc.nat({ max: Math.max(chars.length - 1, 0) }), codePoint)
    .filter(([i, c]) => chars.length > 0 && chars[i] !== c)
    .map(([i, c]) => chars.with(i, c).join(""))
  const insert = fc
    .tuple(fc.nat({ max: chars.length }), codePoint)
    .map(([i, c]) => [...chars.slice(0, i), c, ...chars.slice(i)].join(""))
  const remove = fc
    .nat({ max: Math.max(chars.length - 1, 0) })
    .filter(() => chars.length > 0)
    .map((i) => chars.toSpliced(i, 1).join(""))
  return chars.length === 0 ? insert : fc.oneof(replace, insert, remove)
}

const bodyAndMutation = body.chain((original) => mutationOf(original).map((mutated) => ({ original, mutated })))
const timestamp = fc.integer({ min: 0, max: 9_999_999_999 })

describe("t=/v1= properties", () => {
  const secret = fc.string({ unit: "binary", minLength: 1, maxLength: 64 })

  it("sign-then-verify succeeds, and any single-character edit of the body fails", () => {
    fc.assert(
      fc.property(bodyAndMutation, fc.array(secret, { minLength: 1, maxLength: 3 }), timestamp, ({ original, mutated }, secrets, t) => {
        const header = signPayload({ payload: original, secret: secrets, timestamp: t })
        expect(verifySignature({ payload: original, header, secret: secrets, now: t })).toEqual({ ok: true, timestamp: t })
        expect(verifySignature({ payload: new TextEncoder().encode(original), header, secret: secrets, now: t }).ok).toBe(true)
        expect(verifySignature({ payload: mutated, header, secret: secrets, now: t })).toEqual({
          ok: false,
          reason: "no_matching_signature"
        })
      }),
      { numRuns: 500 }
    )
  })

  it("a secret with a different UTF-8 encoding never verifies", () => {
    fc.assert(
      fc.property(body, secret, secret, (payload, a, b) => {
        fc.pre(a !== b)
        const header = signPayload({ payload, secret: a, timestamp: 1 })
        expect(verifySignature({ payload, header, secret: b, now: 1 }).ok).toBe(false)
      }),
      { numRuns: 300 }
    )
  })

  it("never throws on arbitrary header text", () => {
    const headerText = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.array(fc.constantFrom("t=", "v1=", "v0=", ",", "=", "1700000000", "a".repeat(64), "-", " "), { maxLength: 12 }).map((xs) => xs.join(""))
    )
    fc.assert(
      fc.property(headerText, (header) => {
        const result = verifySignature({ payload: "{}", header, secret: "whsec_x", now: 1_700_000_000 })
        expect(result.ok).toBe(false)
        if (!result.ok) expect(["missing_header", "malformed_header", "no_matching_signature"]).toContain(result.reason)
      }),
      { numRuns: 1000 }
    )
  })
})

describe("Standard Webhooks properties", () => {
  const secret = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => "whsec_" + Buffer.from(bytes).toString("base64"))
  const id = fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s !== "")

  it("sign-then-verify succeeds, and any single-character edit of the body fails", () => {
    fc.assert(
      fc.property(bodyAndMutation, fc.array(secret, { minLength: 1, maxLength: 3 }), id, timestamp, ({ original, mutated }, secrets, msgId, t) => {
        const headers = signStandardWebhook({ id: msgId, payload: original, secret: secrets, timestamp: t })
        expect(verifyStandardWebhook({ payload: original, headers, secret: secrets, now: t })).toEqual({ ok: true, id: msgId, timestamp: t })
        expect(verifyStandardWebhook({ payload: mutated, headers, secret: secrets, now: t })).toEqual({
          ok: false,
          reason: "no_matching_signature"
        })
      }),
      { numRuns: 500 }
    )
  })

  it("never throws on arbitrary header values", () => {
    const value = fc.option(fc.string({ unit: "binary", maxLength: 120 }), { nil: undefined })
    fc.assert(
      fc.property(value, value, value, (wid, wts, wsig) => {
        const headers = { "webhook-id": wid, "webhook-timestamp": wts, "webhook-signature": wsig }
        expect(verifyStandardWebhook({ payload: "{}", headers, secret: "whsec_" + "A".repeat(44), now: 1 }).ok).toBe(false)
      }),
      { numRuns: 1000 }
    )
  })
})
