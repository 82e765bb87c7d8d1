/**
 * @herald/verify: check that a webhook delivery really came from Herald.
 * No runtime dependencies; uses `node:crypto`.
 *
 * @packageDocumentation
 */
export {
  signPayload,
  verifyAndParse,
  verifySignature,
  type SignPayloadOptions,
  type VerifySignatureOptions
} from "./TimestampedSignature.js"
export {
  signStandardWebhook,
  verifyAndParseStandardWebhook,
  verifyStandardWebhook,
  type SignStandardWebhookOptions,
  type StandardWebhookHeaders,
  type VerifyStandardWebhookOptions
} from "./StandardWebhooks.js"
export type { StandardWebhookVerifyResult, VerifyFailureReason, VerifyResult } from "./VerifyResult.js"
export { WebhookVerificationError, type WebhookVerificationErrorReason } from "./errors.js"
export { DEFAULT_TOLERANCE_SECONDS } from "./Timestamp.js"
export type { HeaderBag, RawHeaderValue } from "./HeaderValue.js"
