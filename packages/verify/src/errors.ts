import { failureMessages, type VerifyFailureReason } from "./VerifyResult.js"

/**
 * `invalid_json` only arises in the throwing helpers: the signature was genuine but the
 * body is not JSON, which is worth telling apart from a forged delivery.
 */
export type WebhookVerificationErrorReason = VerifyFailureReason | "invalid_json"

const messages: Readonly<Record<WebhookVerificationErrorReason, string>> = {
  ...failureMessages,
  invalid_json: "The signature is valid but the payload is not valid UTF-8 JSON."
}

/**
 * Thrown by `verifyAndParse` / `verifyAndParseStandardWebhook` when a delivery must be
 * rejected. Configuration mistakes (an empty secret list, a negative tolerance) throw
 * `TypeError` instead, so they are not mistaken for a bad request.
 */
export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError"
  readonly reason: WebhookVerificationErrorReason

  constructor(reason: WebhookVerificationErrorReason, options?: { cause?: unknown }) {
    super(messages[reason], options)
    this.reason = reason
  }
}
