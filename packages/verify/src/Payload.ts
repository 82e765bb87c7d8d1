import { WebhookVerificationError } from "./errors.js"

const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * JSON from an already-verified body. Bytes are decoded strictly: a body that is not
 * UTF-8 is reported, not silently patched with U+FFFD.
 */
export const parseJsonBody = (payload: string | Uint8Array): unknown => {
  try {
    const text = typeof payload === "string" ? payload : utf8.decode(payload)
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new WebhookVerificationError("invalid_json", { cause })
  }
}

/** Guards the JS-level contract; TypeScript callers cannot get here with a parsed object. */
export const checkPayload = (payload: unknown): string | Uint8Array => {
  if (typeof payload === "string" || payload instanceof Uint8Array) return payload
  throw new TypeError(
    "payload must be the raw request body as a string or Uint8Array/Buffer, not a parsed object"
  )
}
