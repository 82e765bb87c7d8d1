/**
 * Standard Webhooks (https://www.standardwebhooks.com/): `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` (space-separated `v1,<base64>`), signed
 * over `${id}.${timestamp}.${body}` with the base64-decoded part of `whsec_<base64>`.
 */
import { anyEqual } from "./ConstantTime.js"
import { WebhookVerificationError } from "./errors.js"
import { MAX_SIGNATURE_HEADER_LENGTH, readHeader, type HeaderBag } from "./HeaderValue.js"
import { hmacSha256 } from "./Hmac.js"
import { checkPayload, parseJsonBody } from "./Payload.js"
import { secretList, standardWebhooksKey } from "./Secrets.js"
import { checkSigningTimestamp, parseUnixSeconds, resolveClock, withinTolerance } from "./Timestamp.js"
import type { StandardWebhookVerifyResult } from "./VerifyResult.js"

/**
 * What `verifyStandardWebhook` and `verifyAndParseStandardWebhook` check: the raw body, the
 * request's headers and the secret(s).
 */
export interface VerifyStandardWebhookOptions {
  /** The raw request body exactly as received. Re-serialized JSON will not verify. */
  readonly payload: string | Uint8Array
  /** All request headers: Node's `req.headers`, a plain record, or a fetch `Headers`. */
  readonly headers: HeaderBag
  /** `whsec_<base64>`, or several during a rotation; any one may match. */
  readonly secret: string | ReadonlyArray<string>
  /** Maximum age (and future skew) of `webhook-timestamp`, in seconds. Default 300. */
  readonly toleranceSeconds?: number
  /** Current unix time in seconds; defaults to the system clock. For tests. */
  readonly now?: number
}

/**
 * What `signStandardWebhook` signs: a message id, the body and the secret(s); for tests and other
 * senders.
 */
export interface SignStandardWebhookOptions {
  /** The message id; Herald keeps it stable across retries of one message. */
  readonly id: string
  readonly payload: string | Uint8Array
  /** `whsec_<base64>`, or several to emit one `v1,` entry per secret. */
  readonly secret: string | ReadonlyArray<string>
  /** Unix seconds; defaults to now. */
  readonly timestamp?: number
}

// A type alias, not an interface, so it is assignable to `HeaderBag` (and to other
// libraries' header records): a signed result can be fed straight back to the verifier.
/** The three Standard Webhooks headers `signStandardWebhook` returns, ready to send (or to verify). */
export type StandardWebhookHeaders = {
  readonly "webhook-id": string
  readonly "webhook-timestamp": string
  readonly "webhook-signature": string
}

// Canonical base64 of a 32-byte digest. Checked before decoding because Buffer's
// base64 decoder skips characters it does not understand.
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/

const parseSignatures = (header: string): ReadonlyArray<Uint8Array> | undefined => {
  if (header.length > MAX_SIGNATURE_HEADER_LENGTH) return undefined
  const signatures: Array<Uint8Array> = []
  for (const entry of header.split(" ")) {
    if (entry === "") continue
    const comma = entry.indexOf(",")
    if (comma <= 0) return undefined
    if (entry.slice(0, comma) !== "v1") continue // e.g. v1a (asymmetric) is not ours to check
    const signature = entry.slice(comma + 1)
    if (!BASE64_DIGEST.test(signature)) return undefined
    signatures.push(Buffer.from(signature, "base64"))
  }
  return signatures.length === 0 ? undefined : signatures
}

/**
 * Verify a Standard Webhooks delivery. Never throws on anything that came off the wire;
 * it throws `TypeError` only for bad options (no secret, a secret that is not base64).
 *
 * As with `verifySignature`, the signature is checked before the timestamp.
 */
export const verifyStandardWebhook = (options: VerifyStandardWebhookOptions): StandardWebhookVerifyResult => {
  const payload = checkPayload(options.payload)
  const keys = secretList(options.secret).map(standardWebhooksKey)
  const clock = resolveClock(options.toleranceSeconds, options.now)

  const reads = [
    readHeader(options.headers, "webhook-id"),
    readHeader(options.headers, "webhook-timestamp"),
    readHeader(options.headers, "webhook-signature")
  ] as const
  if (reads.some((read) => read.kind === "missing")) return { ok: false, reason: "missing_header" }
  const [idRead, timestampRead, signatureRead] = reads
  if (idRead.kind !== "value" || timestampRead.kind !== "value" || signatureRead.kind !== "value") {
    return { ok: false, reason: "malformed_header" }
  }
  const id = idRead.value
  const timestampText = timestampRead.value
  const timestamp = parseUnixSeconds(timestampText)
  const signatures = parseSignatures(signatureRead.value)
  if (timestamp === undefined || signatures === undefined) return { ok: false, reason: "malformed_header" }

  const expected = keys.map((key) => hmacSha256(key, `${id}.${timestampText}.`, payload))
  if (!anyEqual(expected, signatures)) return { ok: false, reason: "no_matching_signature" }
  if (!withinTolerance(timestamp, clock)) return { ok: false, reason: "timestamp_outside_tolerance" }
  return { ok: true, id, timestamp }
}

/**
 * Verify, then parse the body as JSON.
 * @throws WebhookVerificationError on any verification failure or a non-JSON body.
 */
export const verifyAndParseStandardWebhook = (options: VerifyStandardWebhookOptions): unknown => {
  const result = verifyStandardWebhook(options)
  if (!result.ok) throw new WebhookVerificationError(result.reason)
  return parseJsonBody(options.payload)
}

/**
 * The three headers Herald would send for this message, for receivers' own tests.
 * The Herald server signs with its own implementation; this one exists so you can
 * produce valid (and deliberately invalid) deliveries without running Herald.
 */
export const signStandardWebhook = (options: SignStandardWebhookOptions): StandardWebhookHeaders => {
  const payload = checkPayload(options.payload)
  if (typeof options.id !== "string" || options.id.trim() === "" || options.id !== options.id.trim()) {
    throw new TypeError("id must be a non-empty string without surrounding whitespace")
  }
  const t = checkSigningTimestamp(options.timestamp)
  const signature = secretList(options.secret)
    .map((secret) => "v1," + hmacSha256(standardWebhooksKey(secret), `${options.id}.${t}.`, payload).toString("base64"))
    .join(" ")
  return { "webhook-id": options.id, "webhook-timestamp": String(t), "webhook-signature": signature }
}
