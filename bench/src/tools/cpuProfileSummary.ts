/**
 * Where a `node --cpu-prof` profile spent its time: self time by function and by
 * package, and inclusive ("total") time of the functions on top.
 *
 *   node bench/dist/tools/cpuProfileSummary.js <file.cpuprofile> [top=25] [pattern]
 *
 * With a pattern, it also lists the stacks through which the functions whose
 * name matches it were reached (3 callers deep, Node internals skipped), by self time: where a hot
 * built-in such as `writeUtf8String` is called from.
 *
 * Self time is the time a function was on top of the stack; total time also
 * counts what it called (each function once per sample, however deep it recurses).
 */
import { readFileSync } from "node:fs"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}

interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
  readonly startTime: number
  readonly endTime: number
}

/** `packages/core`, `node_modules/bullmq`, `node:internal`, or `(native)`. */
export const packageOf = (url: string): string => {
  if (url === "") return "(native / VM)"
  const modules = url.lastIndexOf("node_modules/")
  if (modules !== -1) {
    const rest = url.slice(modules + "node_modules/".length).split("/")
    return `node_modules/${rest[0]?.startsWith("@") === true ? `${rest[0]}/${rest[1]}` : rest[0]}`
  }
  const workspace = /\/(packages|apps)\/([^/]+)\//.exec(url)
  if (workspace !== null) return `${workspace[1]}/${workspace[2]}`
  if (url.startsWith("node:")) return "node (built-in)"
  return url
}

const shortUrl = (url: string): string => {
  const modules = url.lastIndexOf("node_modules/")
  if (modules !== -1) return url.slice(modules)
  const workspace = /\/((?:packages|apps)\/.*)$/.exec(url)
  return workspace?.[1] ?? url
}

export const frameName = (frame: CallFrame): string =>
  `${frame.functionName === "" ? "(anonymous)" : frame.functionName} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`

export const summarize = (profile: Profile, top: number, pattern?: string): Array<string> => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const selfByNode = new Map<number, number>()
  profile.samples.forEach((id, i) => selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const total = [...selfByNode.values()].reduce((a, b) => a + b, 0)

  const selfByFunction = new Map<string, number>()
  const selfByPackage = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, micros] of selfByNode) {
    const node = byId.get(id)
    if (node === undefined) continue
    const name = frameName(node.callFrame)
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + micros)
    const pkg = packageOf(node.callFrame.url)
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + micros)
    // Walk up the stack once, counting each function once per sample.
    const seen = new Set<string>()
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)
      if (frame === undefined) break
      const frameKey = frameName(frame.callFrame)
      if (seen.has(frameKey)) continue
      seen.add(frameKey)
      inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + micros)
    }
  }
  const callers = new Map<string, number>()
  if (pattern !== undefined) {
    for (const [id, micros] of selfByNode) {
      const node = byId.get(id)
      if (node === undefined || !frameName(node.callFrame).includes(pattern)) continue
      const chain: Array<string> = []
      for (let current = parent.get(id); current !== undefined && chain.length < 3; current = parent.get(current)) {
        const frame = byId.get(current)
        // Node's own stream and socket plumbing says nothing about who wrote.
        if (frame !== undefined && frame.callFrame.url !== "" && !frame.callFrame.url.startsWith("node:")) {
          chain.push(frameName(frame.callFrame))
        }
      }
      const key = `${frameName(node.callFrame)} <- ${chain.join(" <- ")}`
      callers.set(key, (callers.get(key) ?? 0) + micros)
    }
  }
  const percent = (micros: number) => `${((micros * 100) / total).toFixed(1).padStart(5)}%`
  const ranked = (map: Map<string, number>, n: number) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, micros]) => `${percent(micros)}  ${name}`)
  return [
    `sampled ${(total / 1e6).toFixed(2)} s of ${((profile.endTime - profile.startTime) / 1e6).toFixed(2)} s`,
    "",
    "self time by package:",
    ...ranked(selfByPackage, top),
    "",
    "self time by function:",
    ...ranked(selfByFunction, top),
    "",
    "total (inclusive) time by function:",
    ...ranked(inclusive, top),
    ...(pattern === undefined ? [] : ["", `stacks reaching "${pattern}":`, ...ranked(callers, top)])
  ]
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, "/"))
if (isMain) {
  const [file, top, pattern] = process.argv.slice(2)
  if (file === undefined) {
    process.stderr.write("usage: node bench/dist/tools/cpuProfileSummary.js <file.cpuprofile> [top]\n")
    process.exit(2)
  }
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile
  process.stdout.write(`${summarize(profile, Number(top ?? 25), pattern).join("\n")}\n`)
}
