import { createHmac } from "node:crypto"

/**
 * HMAC-SHA256 over `prefix` followed by `payload`. The payload is fed as given (string
 * as UTF-8, bytes untouched) rather than concatenated into one string, so a
 * `Uint8Array` body is signed byte-for-byte even if it is not valid UTF-8.
 */
export const hmacSha256 = (key: Uint8Array, prefix: string, payload: string | Uint8Array): Buffer =>
  createHmac("sha256", key).update(prefix, "utf8").update(payload).digest()
