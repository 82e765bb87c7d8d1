/**
 * The memory entry runs as README shows it: the events published from the
 * application's code reach its receiver, signed with the webhook's secret.
 */
import { Effect } from "effect"
import { it } from "vitest"
import { program } from "../src/memory.js"
import { expectEveryEventVerified } from "./support/Outcome.js"

it("delivers every published event, verified, to the application's receiver (memory adapters)", async () => {
  expectEveryEventVerified(await Effect.runPromise(program))
}, 60_000)
