/**
 * Import cycles among a package's source files, for a test that fails on one.
 * A cycle makes module order matter (a value read before its module ran is
 * `undefined`) and two modules one concept in fact; type-only imports count
 * too, since they tie the concepts as tightly. The imports are read as text
 * (relative `import`/`export ... from` specifiers), which is all a package of
 * ES modules with `.js` specifiers needs, and cheaper than a lint rule that
 * resolves every module.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const IMPORT = /^\s*(?:import|export)\b[^;'"]*?["'](\.{1,2}\/[^"']+)["']/gm

const sourcesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourcesUnder(path)
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : []
  })

/** The source file a relative specifier names (`./X.js` is `./X.ts`), if it is one. */
const resolveSpecifier = (from: string, specifier: string): string | undefined => {
  const base = resolve(dirname(from), specifier)
  return [base.replace(/\.js$/, ".ts"), `${base}.ts`, join(base, "index.ts")].find(existsSync)
}

/** The relative imports of every `.ts` file under `dir`, by absolute path. */
export const graph = (dir: string): ReadonlyMap<string, ReadonlyArray<string>> =>
  new Map(sourcesUnder(resolve(dir)).map((file) => [
    file,
    [...readFileSync(file, "utf8").matchAll(IMPORT)].flatMap((match) => resolveSpecifier(file, match[1]!) ?? [])
  ]))

/**
 * The import cycles under `dir`: each group of files that import one another
 * (a strongly connected component, Tarjan's algorithm), as paths relative to
 * `dir`, sorted; none when the imports form a tree.
 */
export const find = (dir: string): ReadonlyArray<ReadonlyArray<string>> => {
  const imports = graph(dir)
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const cycles: Array<ReadonlyArray<string>> = []
  const visit = (file: string) => {
    index.set(file, index.size)
    low.set(file, index.get(file)!)
    stack.push(file)
    onStack.add(file)
    for (const next of imports.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next)
        low.set(file, Math.min(low.get(file)!, low.get(next)!))
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!))
      }
    }
    if (low.get(file) !== index.get(file)) return
    const component: Array<string> = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== file)
    if (component.length > 1 || imports.get(file)?.includes(file)) {
      cycles.push(component.map((path) => relative(resolve(dir), path)).sort())
    }
  }
  for (const file of imports.keys()) if (!index.has(file)) visit(file)
  return cycles
}
