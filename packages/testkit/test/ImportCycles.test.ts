import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { ImportCycles } from "@herald/testkit"

describe("ImportCycles.find", () => {
  const root = mkdtempSync(join(tmpdir(), "import-cycles-"))
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  const tree = (name: string, files: Record<string, string>) => {
    const dir = join(root, name)
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, ".."), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    return dir
  }

  it("finds none in a tree of imports", () => {
    const dir = tree("tree", {
      "A.ts": `import * as B from "./B.js"\nimport { c } from "./sub/C.js"\n`,
      "B.ts": `import type { C } from "./sub/C.js"\n`,
      "sub/C.ts": `import { Effect } from "effect"\nexport const c = 1\n`
    })
    expect(ImportCycles.find(dir)).toEqual([])
  })

  it("finds each group of files that import one another, type-only and multi-line imports included", () => {
    const dir = tree("cycles", {
      "A.ts": `import {\n  b,\n  type B\n} from "./B.js"\n`,
      "B.ts": `import type { C } from "./edge/C.js"\n`,
      "edge/C.ts": `export { a } from "../A.js"\n`,
      "D.ts": `import "./E.js"\n`,
      "E.ts": `import * as D from "./D.js"\n`,
      "F.ts": `import { f } from "./F.js"\n`,
      "G.ts": `import { a } from "./A.js"\n`
    })
    expect(ImportCycles.find(dir).map((cycle) => cycle.join(" ")).sort()).toEqual([
      "A.ts B.ts edge/C.ts",
      "D.ts E.ts",
      "F.ts"
    ])
  })
})
