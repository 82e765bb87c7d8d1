import { createHmac } from "node:crypto"
import { describe, expect, it } from "vitest"
import { signPayload, verifyAndParse, verifySignature, WebhookVerificationError } from "../src/index.js"

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
const otherSecret = "whsec_c2VjcmV0LXR3by10d28tdHdvLXR3by10d28tdHdvLXQ="
const body = '{"id":"evt_1","type":"order.created","data":{"total":4200}}'
const t = 1_700_000_000

// Computed with node:crypto directly, not through the package, so a bug shared by our
// signer and verifier cannot hide here.
const reference = (key: string, ts: number | string, payload: string): string =>
  createHmac("sha256", key).update(`${ts}.${payload}`).digest("hex")

const verify = (header: Parameters<typeof verifySignature>[0]["header"], extra: { payload?: string | Uint8Array; now?: number } = {}) =>
  verifySignature({ payload: extra.payload ?? body, header, secret, now: extra.now ?? t })

describe("signPayload", () => {
  it("matches an independently computed HMAC over `${t}.${body}` keyed with the whole secret text", () => {
    expect(signPayload({ payload: body, secret, timestamp: t })).toBe(`t=${t},v1=${reference(secret, t, body)}`)
  })

  it("emits one v1 per secret, in order, for rotations", () => {
    expect(signPayload({ payload: body, secret: [secret, otherSecret], timestamp: t })).toBe(
      `t=${t},v1=${reference(secret, t, body)},v1=${reference(otherSecret, t, body)}`
    )
  })

  it("defaults the timestamp to now", () => {
    const before = Math.floor(Date.now() / 1000)
    const header = signPayload({ payload: body, secret })
    const ts = Number(/^t=(\d+),/.exec(header)?.[1])
    expect(ts).toBeGreaterThanOrEqual(before)
    expect(ts).toBeLessThanOrEqual(before + 2)
    expect(verifySignature({ payload: body, header, secret })).toEqual({ ok: true, timestamp: ts })
  })

  it.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER * 2])("rejects timestamp %s", (timestamp) => {
    expect(() => signPayload({ payload: body, secret, timestamp })).toThrow(TypeError)
  })
})

describe("verifySignature: accepts", () => {
  it("a header signed with the secret and returns its timestamp", () => {
    expect(verify(`t=${t},v1=${reference(secret, t, body)}`)).toEqual({ ok: true, timestamp: t })
  })

  it("a delivery when any v1 matches any secret (rotation)", () => {
    const rotated = signPayload({ payload: body, secret: ["whsec_old", "whsec_new"], timestamp: t })
    for (const receiverSecrets of [["whsec_old"], ["whsec_new"], ["whsec_other", "whsec_new"], "whsec_old"]) {
      expect(verifySignature({ payload: body, header: rotated, secret: receiverSecrets, now: t }).ok).toBe(true)
    }
    expect(verifySignature({ payload: body, header: rotated, secret: ["whsec_other"], now: t })).toEqual({
      ok: false,
      reason: "no_matching_signature"
    })
  })

  it("while ignoring unknown schemes, even garbage ones", () => {
    const v1 = reference(secret, t, body)
    expect(verify(`v0=zzz,t=${t},v2=,v1=${v1},x=y=z`)).toEqual({ ok: true, timestamp: t })
  })

  it("timestamps exactly at the tolerance boundary, in both directions", () => {
    const header = signPayload({ payload: body, secret, timestamp: t })
    expect(verify(header, { now: t + 300 }).ok).toBe(true)
    expect(verify(header, { now: t - 300 }).ok).toBe(true)
  })

  it("a custom tolerance, and Infinity to skip the check", () => {
    const header = signPayload({ payload: body, secret, timestamp: t })
    expect(verifySignature({ payload: body, header, secret, now: t + 1000, toleranceSeconds: 1000 }).ok).toBe(true)
    expect(verifySignature({ payload: body, header, secret, now: t + 1001, toleranceSeconds: 1000 }).ok).toBe(false)
    expect(verifySignature({ payload: body, header, secret, now: t + 1e9, toleranceSeconds: Infinity }).ok).toBe(true)
  })

  it("a header surrounded by whitespace, or given as a one-element (or repeated) array", () => {
    const header = signPayload({ payload: body, secret, timestamp: t })
    expect(verify(` ${header}\t`).ok).toBe(true)
    expect(verify([header]).ok).toBe(true)
    expect(verify([header, header]).ok).toBe(true)
  })
})

describe("verifySignature: payload bytes", () => {
  const unicode = '{"name":"Zoë 🦊 日本","note":"naïve"}'

  it("treats a string and its UTF-8 bytes (Buffer or plain Uint8Array) alike", () => {
    const header = signPayload({ payload: unicode, secret, timestamp: t })
    expect(verify(header, { payload: Buffer.from(unicode, "utf8") }).ok).toBe(true)
    expect(verify(header, { payload: new TextEncoder().encode(unicode) }).ok).toBe(true)
    const fromBytes = signPayload({ payload: new TextEncoder().encode(unicode), secret, timestamp: t })
    expect(fromBytes).toBe(header)
  })

  it("signs non-UTF-8 bytes byte-for-byte rather than via a lossy decode", () => {
    const a = new Uint8Array([0x7b, 0xff, 0x7d])
    const b = new Uint8Array([0x7b, 0xfe, 0x7d]) // both decode to "{\uFFFD}"
    const header = signPayload({ payload: a, secret, timestamp: t })
    expect(verify(header, { payload: a }).ok).toBe(true)
    expect(verify(header, { payload: b })).toEqual({ ok: false, reason: "no_matching_signature" })
  })

  it("refuses a parsed object with a TypeError that mentions the raw body", () => {
    const header = signPayload({ payload: body, secret, timestamp: t })
    expect(() => verify(header, { payload: JSON.parse(body) as string })).toThrow(/raw request body/)
  })
})

describe("verifySignature: rejects", () => {
  const good = `t=${t},v1=${reference(secret, t, body)}`

  it("a tampered body, including whitespace-only changes", () => {
    expect(verify(good, { payload: body.replace("4200", "4201") })).toEqual({ ok: false, reason: "no_matching_signature" })
    expect(verify(good, { payload: JSON.stringify(JSON.parse(body), null, 2) }).ok).toBe(false)
    expect(verify(good, { payload: body + "\n" }).ok).toBe(false)
  })

  it("a wrong secret, including the secret without its whsec_ prefix or with a trailing newline", () => {
    for (const wrong of [otherSecret, secret.slice("whsec_".length), secret + "\n"]) {
      expect(verifySignature({ payload: body, header: good, secret: wrong, now: t })).toEqual({
        ok: false,
        reason: "no_matching_signature"
      })
    }
  })

  it("a timestamp that was re-written without re-signing", () => {
    expect(verify(good.replace(`t=${t}`, `t=${t + 1}`), { now: t })).toEqual({ ok: false, reason: "no_matching_signature" })
  })

  it("expired and future timestamps", () => {
    expect(verify(good, { now: t + 301 })).toEqual({ ok: false, reason: "timestamp_outside_tolerance" })
    expect(verify(good, { now: t - 301 })).toEqual({ ok: false, reason: "timestamp_outside_tolerance" })
  })

  it("reports a forgery as no_matching_signature even when it is also stale", () => {
    const forged = `t=${t},v1=${reference("whsec_guess", t, body)}`
    expect(verify(forged, { now: t + 10_000 })).toEqual({ ok: false, reason: "no_matching_signature" })
  })

  it.each([null, undefined, "", "   ", [], ["", " "]])("a missing header: %j", (header) => {
    expect(verify(header)).toEqual({ ok: false, reason: "missing_header" })
  })

  const v1 = reference(secret, t, body)
  it.each([
    ["no t", `v1=${v1}`],
    ["no v1", `t=${t}`],
    ["only another scheme", `t=${t},v0=${v1}`],
    ["non-hex v1", `t=${t},v1=${"zz".repeat(32)}`],
    ["short v1", `t=${t},v1=${v1.slice(0, 62)}`],
    ["long v1", `t=${t},v1=${v1}00`],
    ["uppercase v1", `t=${t},v1=${v1.toUpperCase()}`],
    ["one good and one garbage v1", `t=${t},v1=${v1},v1=nope`],
    ["t=abc", `t=abc,v1=${v1}`],
    ["empty t", `t=,v1=${v1}`],
    ["negative t", `t=-${t},v1=${v1}`],
    ["fractional t", `t=${t}.5,v1=${v1}`],
    ["exponent t", `t=1.7e9,v1=${v1}`],
    ["hex t", `t=0x6553f100,v1=${v1}`],
    ["leading-zero t", `t=0${t},v1=${v1}`],
    ["t with inner space", `t= ${t},v1=${v1}`],
    ["unsafe-integer t", `t=99999999999999999,v1=${v1}`],
    ["duplicate t (same value)", `t=${t},t=${t},v1=${v1}`],
    ["duplicate t (different values)", `t=${t},v1=${v1},t=${t + 1}`],
    ["space after comma", `t=${t}, v1=${v1}`],
    ["semicolon separator", `t=${t};v1=${v1}`],
    ["empty item", `t=${t},,v1=${v1}`],
    ["trailing comma", `t=${t},v1=${v1},`],
    ["item without =", `t=${t},v1=${v1},junk`],
    ["item with empty key", `t=${t},=x,v1=${v1}`],
    ["just a comma", ","],
    ["json", '{"t":1,"v1":"x"}'],
    ["two different header values", [good, `t=${t + 5},v1=${v1}`]]
  ])("a malformed header: %s", (_name, header) => {
    expect(verify(header)).toEqual({ ok: false, reason: "malformed_header" })
  })

  it("huge headers quickly, without throwing", () => {
    const started = performance.now()
    expect(verify(`t=${t},v1=${"a".repeat(5_000_000)}`)).toEqual({ ok: false, reason: "malformed_header" })
    expect(verify(`t=${t}` + `,v1=${v1}`.repeat(200_000))).toEqual({ ok: false, reason: "malformed_header" })
    expect(verify(",".repeat(1_000_000))).toEqual({ ok: false, reason: "malformed_header" })
    expect(performance.now() - started).toBeLessThan(2_000)
  })

  it("non-string header values from untyped JS callers", () => {
    for (const header of [42, {}, [42], [{}], true]) {
      expect(verify(header as unknown as string).ok).toBe(false)
    }
  })
})

describe("verifySignature: configuration errors throw TypeError", () => {
  const header = `t=${t},v1=${reference(secret, t, body)}`
  it.each([
    ["empty secret list", { secret: [] as string[] }],
    ["empty secret", { secret: "" }],
    ["empty secret in a list", { secret: [secret, ""] }],
    ["negative tolerance", { toleranceSeconds: -1 }],
    ["NaN tolerance", { toleranceSeconds: Number.NaN }],
    ["NaN now", { now: Number.NaN }]
  ])("%s", (_name, override) => {
    expect(() => verifySignature({ payload: body, header, secret, now: t, ...override })).toThrow(TypeError)
  })
})

describe("verifyAndParse", () => {
  it("returns the parsed body of a genuine delivery", () => {
    const header = signPayload({ payload: body, secret, timestamp: t })
    expect(verifyAndParse({ payload: Buffer.from(body), header, secret, now: t })).toEqual(JSON.parse(body))
  })

  it.each([
    ["missing_header", undefined, t],
    ["malformed_header", "t=abc", t],
    ["no_matching_signature", signPayload({ payload: body, secret: otherSecret, timestamp: t }), t],
    ["timestamp_outside_tolerance", signPayload({ payload: body, secret, timestamp: t }), t + 301]
  ] as const)("throws WebhookVerificationError(%s)", (reason, header, now) => {
    let caught: unknown
    try {
      verifyAndParse({ payload: body, header, secret, now })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(WebhookVerificationError)
    expect(caught).toBeInstanceOf(Error)
    expect((caught as WebhookVerificationError).reason).toBe(reason)
    expect((caught as WebhookVerificationError).name).toBe("WebhookVerificationError")
    expect((caught as WebhookVerificationError).message).not.toBe("")
  })

  it("distinguishes a genuine but non-JSON body (invalid_json)", () => {
    for (const payload of ["not json", new Uint8Array([0x22, 0xff, 0x22])]) {
      const header = signPayload({ payload, secret, timestamp: t })
      expect(() => verifyAndParse({ payload, header, secret, now: t })).toThrow(
        expect.objectContaining({ name: "WebhookVerificationError", reason: "invalid_json" })
      )
    }
  })
})
