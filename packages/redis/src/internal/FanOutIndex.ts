/**
 * The subscriptions' fan-out index, shared by the two stores that read it:
 * `RedisSubscriptionStore` writes and pages it, and `RedisEventStore` (with
 * `readsFanOutPage`) reads an event's first page inside its append script, so
 * a publish stores its event and learns its targets in one round trip.
 *
 * `wh-active:{teamspace}` is a lexicographic sorted set of `{eventType}:{id}`
 * members of the enabled webhooks; `wh-ordered:{teamspace}` the set of the ids
 * of ordered ones, whose member `*` says it is complete.
 */
import type { EventType, Ids, SubscriptionStore } from "@herald/core"

/** The member that marks a teamspace's ordered set complete (no id is `*`). */
export const COMPLETE = "*"

export const activeKey = (prefix: string, teamspace: Ids.TeamspaceId) => `${prefix}wh-active:${teamspace}`
export const orderedKey = (prefix: string, teamspace: Ids.TeamspaceId) => `${prefix}wh-ordered:${teamspace}`

/**
 * `fanOutPage(active, ordered, min, max, limit, skip)`: a flat list of id,
 * ordered (1/0) pairs of the members in [min, max), at most `limit`, `skip`
 * being the length of the event type and its ':'; false when the ordered set
 * is not complete yet (`RedisSubscriptionStore` completes it, then reads again).
 */
export const pageFunction = `
local function fanOutPage(active, ordered, min, max, limit, skip)
  if redis.call('SISMEMBER', ordered, '${COMPLETE}') == 0 then return false end
  local members = redis.call('ZRANGEBYLEX', active, min, max, 'LIMIT', 0, tonumber(limit))
  local page = {}
  local from = tonumber(skip) + 1
  -- SMISMEMBER a batch at a time: unpack has a limit (about 8,000 values).
  for first = 1, #members, 1000 do
    local ids = {}
    for i = first, math.min(first + 999, #members) do ids[#ids + 1] = string.sub(members[i], from) end
    local flags = redis.call('SMISMEMBER', ordered, unpack(ids))
    for i, id in ipairs(ids) do
      page[#page + 1] = id
      page[#page + 1] = flags[i]
    end
  end
  return page
end
`

/** The page function's keys for a teamspace. */
export const pageKeys = (prefix: string, teamspace: Ids.TeamspaceId): [string, string] => [
  activeKey(prefix, teamspace),
  orderedKey(prefix, teamspace)
]

/**
 * The page function's other arguments: the members of `eventType` after `after` (from the first
 * when absent), at most `limit`. `;` follows `:` in ASCII: the range is exactly `{eventType}:...`.
 */
export const pageArgs = (
  eventType: EventType.EventType,
  page: { readonly after?: Ids.WebhookId | undefined; readonly limit: number }
): [string, string, number, number] => [
  page.after === undefined ? `[${eventType}:` : `(${eventType}:${page.after}`,
  `(${eventType};`,
  page.limit,
  eventType.length + 1
]

/** The targets of a page the function returned (flat id, flag pairs from `offset`). */
export const targets = (flat: ReadonlyArray<unknown>, offset = 0): Array<SubscriptionStore.FanOutTarget> => {
  const page: Array<SubscriptionStore.FanOutTarget> = []
  for (let i = offset; i < flat.length; i += 2) page.push({ id: flat[i] as Ids.WebhookId, ordered: flat[i + 1] === 1 })
  return page
}
