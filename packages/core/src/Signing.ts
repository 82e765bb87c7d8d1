/**
 * Signing deliveries. Two schemes:
 * - `t=<unix>,v1=<hex>` (Datagrid, Exa; Stripe's scheme): HMAC-SHA256 keyed with the
 *   secret string's UTF-8 bytes as given, over `${t}.${body}`; one `v1=` per secret.
 * - Standard Webhooks: HMAC-SHA256 keyed with the base64-decoded part of
 *   `whsec_<base64>`, over `${id}.${t}.${body}`; `v1,<base64>` entries, space-separated.
 * Several current secrets (a rotation) give several signatures, so receivers can
 * switch secrets without a flag day.
 */
import { createHmac, randomBytes } from "node:crypto"

const SECRET_PREFIX = "whsec_"

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export const generateSecret = (): string => SECRET_PREFIX + randomBytes(32).toString("base64")

/** The `t=...,v1=...` header value for a body signed at unix time `t`. */
export const timestampedSignature = (secrets: ReadonlyArray<string>, t: number, body: string): string => {
  let header = `t=${t}`
  for (const secret of secrets) {
    header += ",v1=" + createHmac("sha256", secret).update(`${t}.`).update(body).digest("hex")
  }
  return header
}

const standardKey = (secret: string): Buffer =>
  Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, "base64")

/** The Standard Webhooks `webhook-signature` header value. */
export const standardSignature = (
  secrets: ReadonlyArray<string>,
  messageId: string,
  t: number,
  body: string
): string =>
  secrets
    .map((secret) =>
      "v1," + createHmac("sha256", standardKey(secret)).update(`${messageId}.${t}.`).update(body).digest("base64")
    )
    .join(" ")

/** The three Standard Webhooks headers. */
export const standardHeaders = (
  secrets: ReadonlyArray<string>,
  messageId: string,
  t: number,
  body: string
): Record<string, string> => ({
  "webhook-id": messageId,
  "webhook-timestamp": String(t),
  "webhook-signature": standardSignature(secrets, messageId, t, body)
})
