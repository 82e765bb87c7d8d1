/**
 * Webhook ids across profiles. Herald's own routes take `wh_` + a ULID; the Diga
 * profile shows the same 128 bits as a UUID (`@herald/http`'s
 * `profiles/diga/Ids.ts`), so a webhook created there is patched on the native
 * routes by its `wh_` id.
 */

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

/** The `wh_` id a UUID names; any other id as it is. */
export const nativeWebhookId = (id: string): string => {
  if (!UUID.test(id)) return id
  let value = BigInt(`0x${id.replace(/-/g, "")}`)
  let body = ""
  for (let i = 0; i < 26; i++) {
    body = CROCKFORD[Number(value & 31n)]! + body
    value >>= 5n
  }
  return `wh_${body}`
}
