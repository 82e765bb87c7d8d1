/**
 * Why a delivery was rejected. Deliberately coarse: a receiver can log it and pick a
 * status code, but it never says *which* byte or secret was wrong.
 */
export type VerifyFailureReason =
  | "missing_header"
  | "malformed_header"
  | "timestamp_outside_tolerance"
  | "no_matching_signature"

/** Outcome of verifying a `t=…,v1=…` signature header. */
export type VerifyResult =
  | { readonly ok: true; /** Unix seconds from the (now authenticated) header. */ readonly timestamp: number }
  | { readonly ok: false; readonly reason: VerifyFailureReason }

/** Outcome of verifying a Standard Webhooks delivery. */
export type StandardWebhookVerifyResult =
  | {
      readonly ok: true
      /** The `webhook-id`; stable across retries of one message, so use it to deduplicate. */
      readonly id: string
      /** Unix seconds from `webhook-timestamp`. */
      readonly timestamp: number
    }
  | { readonly ok: false; readonly reason: VerifyFailureReason }

export const failureMessages: Readonly<Record<VerifyFailureReason, string>> = {
  missing_header: "The signature header is missing or empty.",
  malformed_header: "The signature header could not be parsed.",
  timestamp_outside_tolerance: "The signature timestamp is outside the allowed tolerance; check for replays or clock skew.",
  no_matching_signature:
    "No signature matches the payload. Verify the raw request body bytes (not re-serialized JSON) with the right secret."
}
