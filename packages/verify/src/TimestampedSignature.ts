/**
 * The `t=<unix>,v1=<hex>[,v1=<hex>…]` scheme (Datagrid-Signature / Exa-Signature
 * headers), byte-compatible with Stripe's: HMAC-SHA256 keyed with the secret text, over
 * `${t}.${body}`. Several `v1=` entries appear while Herald rotates secrets.
 */
import { anyEqual } from "./ConstantTime.js"
import { WebhookVerificationError } from "./errors.js"
import { MAX_SIGNATURE_HEADER_LENGTH, singleValue, type RawHeaderValue } from "./HeaderValue.js"
import { hmacSha256 } from "./Hmac.js"
import { checkPayload, parseJsonBody } from "./Payload.js"
import { secretList, timestampedKey } from "./Secrets.js"
import { checkSigningTimestamp, parseUnixSeconds, resolveClock, withinTolerance } from "./Timestamp.js"
import type { VerifyResult } from "./VerifyResult.js"

/**
 * What `verifySignature` and `verifyAndParse` check: the raw body, the signature header's value and
 * the secret(s).
 */
export interface VerifySignatureOptions {
  /** The raw request body exactly as received. Re-serialized JSON will not verify. */
  readonly payload: string | Uint8Array
  /** The signature header value, e.g. `req.headers["datagrid-signature"]`. */
  readonly header: RawHeaderValue
  /** The endpoint secret, or several during a rotation; any one may match. */
  readonly secret: string | ReadonlyArray<string>
  /** Maximum age (and future skew) of `t`, in seconds. Default 300. */
  readonly toleranceSeconds?: number
  /** Current unix time in seconds; defaults to the system clock. For tests. */
  readonly now?: number
}

/** What `signPayload` signs: the body and the secret(s); for tests and other senders. */
export interface SignPayloadOptions {
  readonly payload: string | Uint8Array
  /** One secret, or several to emit one `v1=` per secret (as during a rotation). */
  readonly secret: string | ReadonlyArray<string>
  /** Unix seconds; defaults to now. */
  readonly timestamp?: number
}

interface ParsedHeader {
  readonly timestamp: number
  readonly signatures: ReadonlyArray<Uint8Array>
}

// Exactly a SHA-256 digest in lowercase hex, as Herald and Stripe emit it (Stripe
// compares the text, so uppercase fails there too). Checked before decoding because
// Buffer's hex decoder stops at the first bad character instead of failing.
const HEX_DIGEST = /^[0-9a-f]{64}$/

const parseHeader = (header: string): ParsedHeader | undefined => {
  if (header.length > MAX_SIGNATURE_HEADER_LENGTH) return undefined
  let timestamp: number | undefined
  const signatures: Array<Uint8Array> = []
  for (const item of header.split(",")) {
    const eq = item.indexOf("=")
    if (eq <= 0) return undefined
    const key = item.slice(0, eq)
    const value = item.slice(eq + 1)
    if (key === "t") {
      // Two timestamps mean a spliced or tampered header; there is no right one to pick.
      if (timestamp !== undefined) return undefined
      timestamp = parseUnixSeconds(value)
      if (timestamp === undefined) return undefined
    } else if (key === "v1") {
      if (!HEX_DIGEST.test(value)) return undefined
      signatures.push(Buffer.from(value, "hex"))
    }
    // Other schemes (v0=, future versions) are skipped so senders can add them freely.
  }
  if (timestamp === undefined || signatures.length === 0) return undefined
  return { timestamp, signatures }
}

/**
 * Verify a `t=…,v1=…` header against the raw body. Never throws on anything that came
 * off the wire; it throws `TypeError` only for bad options (no secret, negative tolerance).
 *
 * The signature is checked before the timestamp, so `timestamp_outside_tolerance` is
 * only reported for authentic deliveries (a replay or a skewed clock), never for forgeries.
 */
export const verifySignature = (options: VerifySignatureOptions): VerifyResult => {
  const payload = checkPayload(options.payload)
  const keys = secretList(options.secret).map(timestampedKey)
  const clock = resolveClock(options.toleranceSeconds, options.now)

  const header = singleValue(options.header)
  if (header.kind === "missing") return { ok: false, reason: "missing_header" }
  if (header.kind === "ambiguous") return { ok: false, reason: "malformed_header" }
  const parsed = parseHeader(header.value)
  if (parsed === undefined) return { ok: false, reason: "malformed_header" }

  const expected = keys.map((key) => hmacSha256(key, `${parsed.timestamp}.`, payload))
  if (!anyEqual(expected, parsed.signatures)) return { ok: false, reason: "no_matching_signature" }
  if (!withinTolerance(parsed.timestamp, clock)) return { ok: false, reason: "timestamp_outside_tolerance" }
  return { ok: true, timestamp: parsed.timestamp }
}

/**
 * Verify, then parse the body as JSON (like Stripe's `constructEvent`).
 * @throws WebhookVerificationError on any verification failure or a non-JSON body.
 */
export const verifyAndParse = (options: VerifySignatureOptions): unknown => {
  const result = verifySignature(options)
  if (!result.ok) throw new WebhookVerificationError(result.reason)
  return parseJsonBody(options.payload)
}

/**
 * The header value Herald would send for this body, for receivers' own tests.
 * The Herald server signs with its own implementation; this one exists so you can
 * produce valid (and deliberately invalid) deliveries without running Herald.
 */
export const signPayload = (options: SignPayloadOptions): string => {
  const payload = checkPayload(options.payload)
  const t = checkSigningTimestamp(options.timestamp)
  const signatures = secretList(options.secret).map(
    (secret) => "v1=" + hmacSha256(timestampedKey(secret), `${t}.`, payload).toString("hex")
  )
  return [`t=${t}`, ...signatures].join(",")
}
