/**
 * The opaque cursor of an event listing: the position of the last event of a
 * page, `<createdAt>.<id>`. Publisher ids may contain dots but never start the
 * string, and createdAt is digits only, so splitting at the first dot is exact.
 */
import { Option } from "effect"
import type { Event } from "./Event.js"
import type { EventPosition, EventQuery } from "./EventStore.js"
import { isEventId } from "./Ids.js"

/** The cursor of the page after this event: pass it back to list the next page. */
export const encode = (event: Pick<Event, "createdAt" | "id">): string => `${event.createdAt}.${event.id}`

/**
 * The position a cursor names; none when the text is not a cursor `encode` made (the caller refuses
 * it as input).
 */
export const decode = (cursor: string): Option.Option<EventPosition> => {
  const dot = cursor.indexOf(".")
  const time = cursor.slice(0, dot)
  const id = cursor.slice(dot + 1)
  if (dot < 1 || !/^\d{1,15}$/.test(time) || !isEventId(id)) return Option.none()
  return Option.some({ createdAt: Number(time), id })
}

/**
 * A position as one string whose plain string order is (createdAt, id) order:
 * the time zero-padded to 15 digits (enough until the year 33658). Stores that
 * keep events in a lexicographic index use it as the member.
 */
export const sortKey = (position: EventPosition): string =>
  `${String(position.createdAt).padStart(15, "0")}:${position.id}`

/** The sort key of the first instant `time` (every event created at `time` sorts at or after it). */
export const timeSortKey = (time: number): string => String(Math.max(0, Math.floor(time))).padStart(15, "0")

/**
 * A query's range of sort keys, for stores that keep a lexicographic index:
 * `from` inclusive (createdAfter), `to` exclusive (the lower of the cursor's
 * position and createdBefore); undefined when unbounded.
 */
export const range = (query: EventQuery): { readonly from?: string | undefined; readonly to?: string | undefined } => {
  const uppers = [
    query.before === undefined ? undefined : sortKey(query.before),
    query.createdBefore === undefined ? undefined : timeSortKey(query.createdBefore)
  ].filter((bound) => bound !== undefined)
  return {
    from: query.createdAfter === undefined ? undefined : timeSortKey(query.createdAfter),
    to: uppers.length === 0 ? undefined : uppers.reduce((a, b) => (a < b ? a : b))
  }
}
