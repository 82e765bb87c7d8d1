import { ImportCycles } from "@herald/testkit"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

it("no module of src imports itself through others", () => {
  expect(ImportCycles.find(fileURLToPath(new URL("../src", import.meta.url)))).toEqual([])
})
