/**
 * The Effect example runs as README shows it: three events published from the
 * application's code reach its receiver, signed with the webhook's secret.
 */
import { Effect } from "effect"
import { expect, it } from "vitest"
import { program } from "../src/main.js"

it("delivers every published event, signed, to the application's receiver", async () => {
  const bodies = await Effect.runPromise(program(3))
  expect(bodies.map((body) => (body as { id: string }).id).sort()).toEqual([
    "evt_example_1",
    "evt_example_2",
    "evt_example_3"
  ])
  expect(bodies[0]).toMatchObject({ event_type: "batch_prediction.completed", data: { status: "completed" } })
})
