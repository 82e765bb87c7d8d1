/**
 * The plain TypeScript example runs as README shows it: three events published
 * from the application's code reach its receiver, signed with the webhook's
 * secret. It imports only Node's modules and the packages it declares, so that
 * it runs as it is in a project of its own.
 */
import { readFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { expect, it } from "vitest"
import { run } from "../src/main.js"

it("delivers every published event, signed, to the application's receiver", async () => {
  const bodies = await run(3)
  expect(bodies.map((body) => (body as { id: string }).id).sort()).toEqual(["evt_order_1", "evt_order_2", "evt_order_3"])
  expect(bodies[0]).toMatchObject({ event_type: "order.created", data: { order: expect.any(Number) } })
})

it("imports nothing but Node's modules and its declared dependencies (no effect)", () => {
  const source = readFileSync(new URL("../src/main.ts", import.meta.url), "utf8")
  const declared = Object.keys(
    (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> })
      .dependencies
  )
  const imported = [...source.matchAll(/^import .* from "([^"]+)"$/gm)].map((match) => match[1]!)
  expect(imported).toContain("@herald/runtime")
  const undeclared = imported.filter((name) => !name.startsWith("node:") && !builtinModules.includes(name) && !declared.includes(name))
  expect(undeclared).toEqual([])
  expect(declared.sort()).toEqual(["@herald/runtime", "@herald/verify"])
})
