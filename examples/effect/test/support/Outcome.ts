import { expect } from "vitest"
import * as Application from "../../src/Application.js"

/** Every published event reached the receiver once, verified, with its id, type and data. */
export const expectEveryEventVerified = (outcome: Application.Outcome): void => {
  const byId = (a: { readonly id: string }, b: { readonly id: string }) => a.id.localeCompare(b.id)
  expect(outcome.published).toHaveLength(Application.events.length)
  expect(outcome.received.map(({ data, event_type, id }) => ({ id, type: event_type, data })).sort(byId))
    .toEqual([...outcome.published].sort(byId))
}
