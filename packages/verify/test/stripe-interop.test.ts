// Stripe's own verifier is the reference for the t=/v1= scheme.
import fc from "fast-check"
import Stripe from "stripe"
import { describe, expect, it } from "vitest"
import { signPayload, verifySignature } from "../src/index.js"

const stripe = new Stripe("sk_test_x")
const secret = "whsec_test_secret_for_interop"
const oldSecret = "whsec_old_rotation_secret"
const newSecret = "whsec_new_rotation_secret"
const payload = JSON.stringify({ id: "evt_1", object: "event", type: "order.created", data: { note: "naïve 🦊" } })
const nowSeconds = () => Math.floor(Date.now() / 1000)

const stripeAccepts = (body: string, header: string, key: string, receivedAtSeconds?: number): boolean => {
  try {
    stripe.webhooks.constructEvent(body, header, key, 300, undefined, receivedAtSeconds === undefined ? undefined : receivedAtSeconds * 1000)
    return true
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) return false
    throw error
  }
}

describe("Stripe-generated headers verify with ours", () => {
  it("a single signature, at a fixed timestamp", () => {
    const t = 1_700_000_000
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: t })
    expect(verifySignature({ payload, header, secret, now: t })).toEqual({ ok: true, timestamp: t })
    expect(verifySignature({ payload: Buffer.from(payload), header, secret, now: t })).toEqual({ ok: true, timestamp: t })
    expect(verifySignature({ payload, header, secret: "whsec_wrong", now: t })).toEqual({
      ok: false,
      reason: "no_matching_signature"
    })
    expect(verifySignature({ payload: payload + " ", header, secret, now: t }).ok).toBe(false)
  })

  it("a rotation header stitched from two Stripe headers, with either secret", () => {
    const t = nowSeconds()
    const fromOld = stripe.webhooks.generateTestHeaderString({ payload, secret: oldSecret, timestamp: t })
    const fromNew = stripe.webhooks.generateTestHeaderString({ payload, secret: newSecret, timestamp: t })
    const rotation = `${fromOld},${fromNew.replace(`t=${t},`, "")}`
    expect(rotation).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/)
    expect(verifySignature({ payload, header: rotation, secret: oldSecret }).ok).toBe(true)
    expect(verifySignature({ payload, header: rotation, secret: newSecret }).ok).toBe(true)
    expect(verifySignature({ payload, header: rotation, secret })).toEqual({ ok: false, reason: "no_matching_signature" })
    // Stripe agrees on the same header, so the stitching itself is sound.
    expect(stripeAccepts(payload, rotation, oldSecret)).toBe(true)
    expect(stripeAccepts(payload, rotation, newSecret)).toBe(true)
  })
})

describe("headers from our signPayload pass Stripe's constructEvent", () => {
  it("a single signature", () => {
    const header = signPayload({ payload, secret, timestamp: nowSeconds() })
    expect(stripe.webhooks.constructEvent(payload, header, secret)).toEqual(JSON.parse(payload))
    expect(stripe.webhooks.constructEvent(Buffer.from(payload), header, secret)).toEqual(JSON.parse(payload))
    expect(() => stripe.webhooks.constructEvent(payload, header, "whsec_wrong")).toThrow(
      Stripe.errors.StripeSignatureVerificationError
    )
  })

  it("is byte-identical to Stripe's generator for the same inputs", () => {
    const t = 1_700_000_123
    expect(signPayload({ payload, secret, timestamp: t })).toBe(
      stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: t })
    )
  })

  it("a rotation header (old + new) is accepted by Stripe with either secret, and not with a third", () => {
    const header = signPayload({ payload, secret: [oldSecret, newSecret], timestamp: nowSeconds() })
    expect(header.match(/v1=/g)).toHaveLength(2)
    expect(stripe.webhooks.constructEvent(payload, header, oldSecret)).toEqual(JSON.parse(payload))
    expect(stripe.webhooks.constructEvent(payload, header, newSecret)).toEqual(JSON.parse(payload))
    expect(() => stripe.webhooks.constructEvent(payload, header, secret)).toThrow(/No signatures found/)
  })

  it("Stripe also rejects our header once it is stale", () => {
    const header = signPayload({ payload, secret, timestamp: nowSeconds() - 301 })
    expect(() => stripe.webhooks.constructEvent(payload, header, secret)).toThrow(/tolerance/)
    expect(verifySignature({ payload, header, secret })).toEqual({ ok: false, reason: "timestamp_outside_tolerance" })
  })
})

describe("agreement with Stripe on arbitrary inputs", () => {
  const secretArb = fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).filter((s) => !/^\s*$/.test(s))
  const bodyArb = fc.json({ maxDepth: 3 })

  it("Stripe accepts what we sign, and we accept what Stripe signs", () => {
    fc.assert(
      // From 1: Stripe's generator treats `timestamp: 0` as "not given" and uses the clock.
      fc.property(bodyArb, secretArb, fc.integer({ min: 1, max: 4_000_000_000 }), (body, key, t) => {
        expect(stripeAccepts(body, signPayload({ payload: body, secret: key, timestamp: t }), key, t)).toBe(true)
        const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret: key, timestamp: t })
        expect(verifySignature({ payload: body, header, secret: key, now: t }).ok).toBe(true)
      }),
      { numRuns: 200 }
    )
  })

  // Our parser is stricter than Stripe's (no duplicate t, no leading zeros, no future
  // timestamps), never looser: anything we accept, Stripe must accept too.
  it("never accepts a header that Stripe rejects", () => {
    const t = 1_700_000_000
    const good = signPayload({ payload, secret, timestamp: t })
    const v1 = good.slice(good.indexOf("v1="))
    const pieces = fc.constantFrom(`t=${t}`, `t=${t + 1}`, `t=0${t}`, "t=abc", "t=", v1, v1.toUpperCase(), "v0=abc", "v1=", "", " ", "=")
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 5 }), fc.integer({ min: t - 400, max: t + 400 }), (parts, now) => {
        const header = parts.join(",")
        if (verifySignature({ payload, header, secret, now }).ok) {
          expect(stripeAccepts(payload, header, secret, now)).toBe(true)
        }
      }),
      { numRuns: 500 }
    )
  })
})
