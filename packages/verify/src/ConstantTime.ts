import { timingSafeEqual } from "node:crypto"

/**
 * Byte equality whose running time does not depend on where the inputs differ.
 * A length mismatch returns at once: lengths are public (every valid digest has the
 * same length), and `timingSafeEqual` throws on unequal lengths.
 */
export const constantTimeEqual = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && timingSafeEqual(a, b)

/**
 * True if any candidate equals any expected value. Every pair is compared, even after a
 * hit, so the work done does not reveal which secret or which header entry matched.
 */
export const anyEqual = (expected: ReadonlyArray<Uint8Array>, candidates: ReadonlyArray<Uint8Array>): boolean => {
  let matched = false
  for (const e of expected) {
    for (const c of candidates) {
      matched = constantTimeEqual(e, c) || matched
    }
  }
  return matched
}
