const PREFIX = "whsec_"
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** One secret or a rotation set, as a non-empty list; an empty set would reject everything silently. */
export const secretList = (secret: string | ReadonlyArray<string>): ReadonlyArray<string> => {
  const list: ReadonlyArray<unknown> = typeof secret === "string" ? [secret] : secret
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError("secret must be a non-empty string or a non-empty array of strings")
  }
  for (const s of list) {
    if (typeof s !== "string" || s.length === 0) {
      throw new TypeError("every secret must be a non-empty string")
    }
  }
  return list as ReadonlyArray<string>
}

/**
 * The t=/v1= key is the secret text as given, `whsec_` included, matching Stripe's
 * verifier. Whitespace is not trimmed: a stray newline from an env file is a different key.
 */
export const timestampedKey = (secret: string): Uint8Array => Buffer.from(secret, "utf8")

/** The Standard Webhooks key is the base64 after `whsec_` (the prefix is optional, as in the reference library). */
export const standardWebhooksKey = (secret: string): Uint8Array => {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret
  // Buffer's decoder skips invalid characters instead of failing, which would quietly
  // turn a mistyped secret into a different key; so validate first.
  const key = BASE64.test(encoded) ? Buffer.from(encoded, "base64") : undefined
  if (key === undefined || key.byteLength === 0) {
    throw new TypeError("a Standard Webhooks secret must be whsec_ followed by non-empty base64")
  }
  return key
}
