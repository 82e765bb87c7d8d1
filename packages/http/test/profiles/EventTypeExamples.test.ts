/**
 * The example payloads the profiles give their configured event types: one for
 * every type, each a JSON object the catalog would accept from a teamspace, and
 * (where a seed documents the shape) the shape it documents.
 */
import { EventTypes } from "@herald/core"
import { describe, expect, it } from "vitest"
import { eventTypeExamples as datagrid } from "../../src/profiles/datagrid/EventTypes.js"
import * as Profiles from "../../src/Profiles.js"

describe("the configured event types' examples", () => {
  it.each(Profiles.all.map((profile) => [profile.name, profile] as const))("%s has one for each of its types, and none for others", (_, profile) => {
    expect(Object.keys(profile.eventTypeExamples ?? {}).sort()).toEqual([...profile.eventTypes].sort())
  })

  it.each(Profiles.all.flatMap((profile) => Object.entries(profile.eventTypeExamples ?? {}).map(([name, example]) => [`${profile.name} ${name}`, example] as const)))(
    "%s is a JSON object no larger than a teamspace's example may be",
    (_, example) => {
      const text = JSON.stringify(example)
      // A plain object that survives JSON unchanged (no undefined, dates or class instances): what a receiver parses.
      expect(Object.getPrototypeOf(example)).toBe(Object.prototype)
      expect(JSON.parse(text)).toEqual(example)
      expect(Buffer.byteLength(text, "utf8")).toBeLessThanOrEqual(EventTypes.MAX_JSON_BYTES)
    }
  )

  it("gives Datagrid's batch predictions the documented object, in the state each event says it reached", () => {
    for (const status of ["completed", "failed", "expired", "cancelled"]) {
      const example = datagrid[`batch_prediction.${status}`]
      expect(example).toMatchObject({ object: "batch_prediction", status, id: expect.stringMatching(/^bpred_/) })
      expect(example?.results_url).toBe(`/v1/batch-predictions/${String(example?.id)}/results`)
    }
    expect(Object.keys(datagrid["knowledge.processing.completed"] ?? {}).sort()).toEqual(
      ["knowledge_id", "row_counts", "scope", "status", "teamspace_id"]
    )
  })
})
