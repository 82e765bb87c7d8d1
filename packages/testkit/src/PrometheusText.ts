/**
 * Reads a Prometheus text exposition (format 0.0.4, what `GET /metrics` answers) for tests,
 * strictly: every line must be a `# HELP`, a `# TYPE`, another comment, blank, or a sample whose
 * name, labels, value and optional timestamp follow the format's grammar, a family's samples must
 * follow its `TYPE` and keep together, and a histogram's must be its `_bucket` (with `le`),
 * `_sum` and `_count`. A test reading one counter thus still fails on any bad line of the whole
 * exposition.
 *
 * Written here because the npm parser tried (`parse-prometheus-text-format` 1.1.1) throws on a
 * valid histogram whose `_count` comes before its buckets, as OpenTelemetry's serializer writes
 * them, and accepts values that are not numbers.
 */

/** One series: its labels, and its value (a counter's or gauge's) or its histogram's count, sum and buckets. */
export interface Series {
  readonly labels: Readonly<Record<string, string>>
  readonly value?: number
  readonly count?: number
  readonly sum?: number
  readonly buckets?: Readonly<Record<string, number>>
}

/** A metric family: name, type (`counter`, `gauge`, `histogram`, `summary`, `untyped`), help and its series. */
export interface Family {
  readonly name: string
  readonly type: string
  readonly help: string
  readonly series: ReadonlyArray<Series>
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const FLOAT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/
const TIMESTAMP = /^-?\d+$/
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"])

const float = (text: string, line: number): number => {
  if (!FLOAT.test(text)) throw new Error(`line ${line}: "${text}" is not a value`)
  return text.endsWith("Inf") ? (text.startsWith("-") ? -Infinity : Infinity) : Number(text)
}

/** A sample line: name, labels (unescaped), value; throws on anything the grammar does not allow. */
const sample = (text: string, line: number) => {
  const fail = (why: string): never => {
    throw new Error(`line ${line}: ${why}: ${text}`)
  }
  let i = 0
  while (i < text.length && /[a-zA-Z0-9_:]/.test(text[i]!)) i++
  const name = text.slice(0, i)
  if (!METRIC_NAME.test(name)) fail("no metric name")
  const labels: Record<string, string> = {}
  if (text[i] === "{") {
    i++
    while (text[i] !== "}") {
      const start = i
      while (i < text.length && /[a-zA-Z0-9_]/.test(text[i]!)) i++
      const label = text.slice(start, i)
      if (!LABEL_NAME.test(label)) fail("a bad label name")
      if (text[i] !== "=" || text[i + 1] !== "\"") fail(`label ${label} has no quoted value`)
      i += 2
      let value = ""
      for (;; i++) {
        if (i >= text.length) fail(`label ${label}'s value is not closed`)
        const c = text[i]!
        if (c === "\"") break
        if (c === "\\") {
          const next = text[++i]
          if (next === "n") value += "\n"
          else if (next === "\\" || next === "\"") value += next
          else fail(`label ${label}'s value has a bad escape`)
        } else value += c
      }
      i++
      if (label in labels) fail(`label ${label} is repeated`)
      labels[label] = value
      if (text[i] === ",") i++
      else if (text[i] !== "}") fail("labels not separated by commas")
    }
    i++
  }
  const rest = text.slice(i).trim().split(/\s+/)
  if (text[i] !== " " || rest.length < 1 || rest.length > 2) fail("not `name{labels} value [timestamp]`")
  if (rest.length === 2 && !TIMESTAMP.test(rest[1]!)) fail("a bad timestamp")
  return { name, labels, value: float(rest[0]!, line) }
}

interface Building {
  readonly name: string
  type: string
  help: string
  readonly series: Map<string, { labels: Record<string, string>; value?: number; count?: number; sum?: number; buckets?: Record<string, number> }>
}

/** Parses `text` whole, by metric family; throws on the first line that breaks the format. */
export const parse = (text: string): ReadonlyArray<Family> => {
  const families = new Map<string, Building>()
  const finished = new Set<string>()
  let current: Building | undefined
  const family = (name: string, line: number) => {
    if (current?.name === name) return current
    if (finished.has(name) || (current !== undefined && families.has(name))) throw new Error(`line ${line}: family ${name} is not together`)
    if (current !== undefined) finished.add(current.name)
    current = { name, type: "untyped", help: "", series: new Map() }
    families.set(name, current)
    return current
  }
  text.split("\n").forEach((raw, index) => {
    const line = index + 1
    if (raw.trim() === "") return
    if (raw.startsWith("#")) {
      const [, keyword, name, ...rest] = raw.split(" ")
      if (keyword !== "HELP" && keyword !== "TYPE") return
      if (name === undefined || !METRIC_NAME.test(name)) throw new Error(`line ${line}: # ${keyword} without a metric name`)
      const building = family(name, line)
      if (keyword === "HELP") building.help = rest.join(" ")
      else {
        const type = rest.join(" ")
        if (!TYPES.has(type)) throw new Error(`line ${line}: unknown type ${type}`)
        if (building.series.size > 0) throw new Error(`line ${line}: # TYPE after ${name}'s samples`)
        building.type = type
      }
      return
    }
    const { labels, name, value } = sample(raw, line)
    const histogram = current !== undefined && current.type === "histogram" && name.startsWith(current.name)
      ? name.slice(current.name.length)
      : undefined
    if (histogram !== undefined) {
      const { le, ...own } = labels
      const key = JSON.stringify(Object.entries(own).sort())
      const series = current!.series.get(key) ?? { labels: own }
      current!.series.set(key, series)
      if (histogram === "_bucket") {
        if (le === undefined) throw new Error(`line ${line}: a bucket without le`)
        series.buckets = { ...series.buckets, [le]: value }
      } else if (histogram === "_sum") series.sum = value
      else if (histogram === "_count") series.count = value
      else throw new Error(`line ${line}: ${name} is not a sample of histogram ${current!.name}`)
      return
    }
    const building = family(name, line)
    const key = JSON.stringify(Object.entries(labels).sort())
    if (building.series.has(key)) throw new Error(`line ${line}: ${name} repeats a series`)
    building.series.set(key, { labels, value })
  })
  return [...families.values()].map((building) => ({
    name: building.name,
    type: building.type,
    help: building.help,
    series: [...building.series.values()]
  }))
}

/** The series of `name` whose labels include `labels`. */
export const series = (families: ReadonlyArray<Family>, name: string, labels: Readonly<Record<string, string>> = {}) =>
  (families.find((family) => family.name === name)?.series ?? []).filter((one) =>
    Object.entries(labels).every(([key, value]) => one.labels[key] === value)
  )

/** The sum over the series of `name` matching `labels`: their values, or for a histogram their counts; 0 for none. */
export const total = (families: ReadonlyArray<Family>, name: string, labels: Readonly<Record<string, string>> = {}): number =>
  series(families, name, labels).reduce((sum, one) => sum + (one.value ?? one.count ?? 0), 0)
