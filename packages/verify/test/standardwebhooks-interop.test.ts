// The reference `standardwebhooks` package is the authority for this scheme.
import fc from "fast-check"
import { Webhook } from "standardwebhooks"
import { describe, expect, it } from "vitest"
import { signStandardWebhook, verifyStandardWebhook } from "../src/index.js"

const secret = "whsec_" + Buffer.from("a 24-byte interop secret").toString("base64")
const oldSecret = "whsec_" + Buffer.alloc(32, 1).toString("base64")
const newSecret = "whsec_" + Buffer.alloc(32, 2).toString("base64")
const msgId = "msg_2aBcDeF"
const payload = JSON.stringify({ type: "order.created", data: { note: "naïve 🦊 日本" } })
const nowSeconds = () => Math.floor(Date.now() / 1000)

const referenceHeaders = (key: string, id: string, t: number, body: string | Buffer) => ({
  "webhook-id": id,
  "webhook-timestamp": String(t),
  "webhook-signature": new Webhook(key).sign(id, new Date(t * 1000), body)
})

describe("reference-signed deliveries verify with ours", () => {
  it("a string and a Buffer body", () => {
    const t = 1_700_000_000
    const headers = referenceHeaders(secret, msgId, t, payload)
    expect(verifyStandardWebhook({ payload, headers, secret, now: t })).toEqual({ ok: true, id: msgId, timestamp: t })
    expect(verifyStandardWebhook({ payload: Buffer.from(payload), headers, secret, now: t }).ok).toBe(true)
    expect(verifyStandardWebhook({ payload, headers, secret: newSecret, now: t })).toEqual({
      ok: false,
      reason: "no_matching_signature"
    })
    expect(verifyStandardWebhook({ payload: payload.slice(1), headers, secret, now: t }).ok).toBe(false)
  })
})

describe("our deliveries verify with the reference", () => {
  it("a single signature, and the reference rejects a tampered body", () => {
    const headers = signStandardWebhook({ id: msgId, payload, secret, timestamp: nowSeconds() })
    expect(new Webhook(secret).verify(payload, headers)).toEqual(JSON.parse(payload))
    expect(new Webhook(secret).verify(Buffer.from(payload), headers)).toEqual(JSON.parse(payload))
    expect(() => new Webhook(secret).verify(payload + " ", headers)).toThrow(/No matching signature/)
  })

  it("a rotation set (old + new) is accepted by the reference with either secret", () => {
    const headers = signStandardWebhook({ id: msgId, payload, secret: [oldSecret, newSecret], timestamp: nowSeconds() })
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2)
    expect(new Webhook(oldSecret).verify(payload, headers)).toEqual(JSON.parse(payload))
    expect(new Webhook(newSecret).verify(payload, headers)).toEqual(JSON.parse(payload))
    expect(() => new Webhook(secret).verify(payload, headers)).toThrow(/No matching signature/)
    expect(verifyStandardWebhook({ payload, headers, secret: newSecret }).ok).toBe(true)
  })

  it("the reference also rejects our stale delivery", () => {
    const headers = signStandardWebhook({ id: msgId, payload, secret, timestamp: nowSeconds() - 301 })
    expect(() => new Webhook(secret).verify(payload, headers)).toThrow(/too old/)
    expect(verifyStandardWebhook({ payload, headers, secret })).toEqual({ ok: false, reason: "timestamp_outside_tolerance" })
  })
})

describe("agreement with the reference on arbitrary inputs", () => {
  const keyArb = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => "whsec_" + Buffer.from(bytes).toString("base64"))
  const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/)

  it("each side verifies what the other signed", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), keyArb, idArb, (body, key, id) => {
        const t = nowSeconds()
        const ours = signStandardWebhook({ id, payload: body, secret: key, timestamp: t })
        expect(() => new Webhook(key).verify(body, ours, { jsonParse: false })).not.toThrow()
        const theirs = referenceHeaders(key, id, t, body)
        expect(theirs).toEqual(ours)
        expect(verifyStandardWebhook({ payload: body, headers: theirs, secret: key, now: t }).ok).toBe(true)
      }),
      { numRuns: 200 }
    )
  })
})
