/**
 * Diga's webhook ids are UUIDs. Herald's are `wh_` + a ULID, which is 128 bits
 * too, so a Diga id is the same 128 bits written as a UUID: nothing else is
 * stored, and the UUIDs sort by creation time like the ULIDs they render. They
 * carry no RFC 4122 version bits (those bits are the ULID's); UUID parsers that
 * check only the shape, as FastAPI's does, accept them.
 */
import type { Ids } from "@herald/core"
import { Option } from "effect"

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
const WEBHOOK_PREFIX = "wh_"
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

/** The UUID a webhook id is shown as. */
export const toUuid = (id: Ids.WebhookId): string => {
  let value = 0n
  for (const char of id.slice(WEBHOOK_PREFIX.length)) value = (value << 5n) | BigInt(CROCKFORD.indexOf(char))
  const hex = value.toString(16).padStart(32, "0")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Whether a string is a UUID (any version; hyphens optional, as FastAPI accepts). */
export const isUuid = (value: string): boolean => UUID.test(value)

/** The webhook id a UUID names; none when the string is not a UUID. */
export const fromUuid = (uuid: string): Option.Option<Ids.WebhookId> => {
  if (!isUuid(uuid)) return Option.none()
  let value = BigInt(`0x${uuid.replace(/-/g, "")}`)
  let body = ""
  for (let i = 0; i < 26; i++) {
    body = CROCKFORD[Number(value & 31n)]! + body
    value >>= 5n
  }
  return Option.some(`${WEBHOOK_PREFIX}${body}` as Ids.WebhookId)
}
