/** Stripe's default, and the Standard Webhooks recommendation. */
export const DEFAULT_TOLERANCE_SECONDS = 300

// Canonical decimal only: no sign, exponent, fraction, whitespace or leading zeros.
// Leading zeros matter because the t=/v1= scheme signs the number, not the header text,
// so "t=01" and "t=1" would otherwise be two spellings of one signed value. 15 digits
// keeps every value a safe integer.
const CANONICAL_SECONDS = /^(?:0|[1-9][0-9]{0,14})$/

/** Unix seconds from header text, or `undefined` if it is not a canonical integer. */
export const parseUnixSeconds = (text: string): number | undefined =>
  CANONICAL_SECONDS.test(text) ? Number(text) : undefined

export const currentUnixSeconds = (): number => Math.floor(Date.now() / 1000)

/** Caller-supplied `now`/`toleranceSeconds`, checked: bad values are programming errors. */
export const resolveClock = (
  toleranceSeconds: number | undefined,
  now: number | undefined
): { readonly toleranceSeconds: number; readonly now: number } => {
  const tolerance = toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  // Infinity is allowed on purpose: re-processing stored deliveries long after the fact.
  if (typeof tolerance !== "number" || Number.isNaN(tolerance) || tolerance < 0) {
    throw new TypeError(`toleranceSeconds must be a non-negative number of seconds, got ${String(toleranceSeconds)}`)
  }
  const resolvedNow = now ?? currentUnixSeconds()
  if (typeof resolvedNow !== "number" || !Number.isFinite(resolvedNow)) {
    throw new TypeError(`now must be a finite number of unix seconds, got ${String(now)}`)
  }
  return { toleranceSeconds: tolerance, now: resolvedNow }
}

/** Both directions: a timestamp from the future is as suspect as a stale one. */
export const withinTolerance = (timestamp: number, clock: { toleranceSeconds: number; now: number }): boolean =>
  Math.abs(clock.now - timestamp) <= clock.toleranceSeconds

/** For the signers: a timestamp we emit must parse back under `parseUnixSeconds`. */
export const checkSigningTimestamp = (timestamp: number | undefined): number => {
  const t = timestamp ?? currentUnixSeconds()
  if (!Number.isSafeInteger(t) || t < 0 || parseUnixSeconds(String(t)) === undefined) {
    throw new TypeError(`timestamp must be a non-negative integer number of unix seconds, got ${String(timestamp)}`)
  }
  return t
}
