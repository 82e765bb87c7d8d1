/**
 * Identifiers. Herald-generated ids are a prefix plus a ULID (48-bit millisecond
 * time, 80 random bits, Crockford base32): they sort by creation time, so a list
 * can use the last id it returned as its cursor. All ids are URL-safe, because
 * official SDKs put them into paths without encoding.
 */
import { randomFillSync } from "node:crypto"
import { Schema } from "effect"

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
const ULID_BODY = "[0-9A-HJKMNP-TV-Z]{26}"

export const TeamspaceId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/),
  Schema.brand("@herald/core/TeamspaceId"),
  Schema.annotations({ description: "A teamspace (tenant) identifier." })
)
export type TeamspaceId = typeof TeamspaceId.Type

export const WebhookId = Schema.String.pipe(
  Schema.pattern(new RegExp(`^wh_${ULID_BODY}$`)),
  Schema.brand("@herald/core/WebhookId"),
  Schema.annotations({ description: "A webhook subscription id (`wh_` + ULID)." })
)
export type WebhookId = typeof WebhookId.Type

/**
 * Event ids may be chosen by the publisher (they are the receiver's idempotency
 * key), so they are any URL-safe token; generated ones are `evt_` + ULID. No `:`,
 * so an event id can be part of a queue job id.
 */
export const EventId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/),
  Schema.brand("@herald/core/EventId"),
  Schema.annotations({
    description: "An event id: 1-128 characters of A-Z a-z 0-9 _ . - (starting alphanumeric)."
  })
)
export type EventId = typeof EventId.Type

export const AttemptId = Schema.String.pipe(
  Schema.pattern(new RegExp(`^att_${ULID_BODY}$`)),
  Schema.brand("@herald/core/AttemptId")
)
export type AttemptId = typeof AttemptId.Type

const RANDOM_BYTES = 10

/** Random bytes are drawn in bulk, a call to the CSPRNG per 256 ids rather than one per id. */
const randomPool = new Uint8Array(256 * RANDOM_BYTES)
let randomPoolUsed = randomPool.length

let lastTime = -1
/** The time part of the last ULID, encoded; ids made in the same millisecond share it. */
let lastTimeText = ""
const lastRandom = new Uint8Array(RANDOM_BYTES)

/** Monotonic within a millisecond: the random part is incremented (in place), not redrawn. */
const nextRandom = (time: number): void => {
  if (time === lastTime) {
    for (let i = lastRandom.length - 1; i >= 0; i--) {
      if (lastRandom[i]! < 255) {
        lastRandom[i]! += 1
        break
      }
      lastRandom[i] = 0
    }
    return
  }
  if (randomPoolUsed === randomPool.length) {
    randomFillSync(randomPool)
    randomPoolUsed = 0
  }
  lastRandom.set(randomPool.subarray(randomPoolUsed, randomPoolUsed + RANDOM_BYTES))
  randomPoolUsed += RANDOM_BYTES
  lastTime = time
  lastTimeText = encodeTime(time)
}

const encodeTime = (time: number): string => {
  let out = ""
  let t = time
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32]! + out
    t = Math.floor(t / 32)
  }
  return out
}

const encodeRandom = (bytes: Uint8Array): string => {
  // 80 bits -> 16 base32 characters, 5 bits at a time.
  let out = ""
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += CROCKFORD[(buffer >>> (bits - 5)) & 31]!
      bits -= 5
    }
    buffer &= (1 << bits) - 1
  }
  return out
}

/** A ULID for the given millisecond time. */
export const ulid = (time: number = Date.now()): string => {
  nextRandom(time)
  return lastTimeText + encodeRandom(lastRandom)
}

/** The millisecond time encoded in a ULID-bearing id (prefix ignored). */
export const timeOf = (id: string): number => {
  const body = id.slice(id.lastIndexOf("_") + 1, id.lastIndexOf("_") + 11)
  let time = 0
  for (const char of body) time = time * 32 + CROCKFORD.indexOf(char)
  return time
}

export const makeWebhookId = (time?: number): WebhookId => `wh_${ulid(time)}` as WebhookId
export const makeEventId = (time?: number): EventId => `evt_${ulid(time)}` as EventId
export const makeAttemptId = (time?: number): AttemptId => `att_${ulid(time)}` as AttemptId

export const isWebhookId = Schema.is(WebhookId)
export const isEventId = Schema.is(EventId)
