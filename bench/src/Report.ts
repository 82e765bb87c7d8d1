/**
 * What a run produces: rows (scenario, metric, Herald's figure, the baseline's
 * from the same run, their ratio, the target and whether it is met), printed as
 * a table and written as JSON with each scenario's details.
 */

export interface Target {
  /** `>=`, `<=` or strictly `<` the threshold. */
  readonly op: ">=" | "<=" | "<"
  readonly value: number
  /** When set, the target is on this row's ratio, not its figure. */
  readonly onRatio?: boolean
}

export interface Row {
  readonly scenario: string
  readonly metric: string
  readonly unit: string
  readonly herald: number
  readonly baseline?: { readonly name: string; readonly value: number }
  /** Herald / baseline. */
  readonly ratio?: number
  readonly target?: Target
  readonly pass?: boolean
  readonly note?: string
}

export const row = (
  fields: Omit<Row, "ratio" | "pass"> & { readonly ratio?: number }
): Row => {
  // No ratio to a zero baseline: "inf x" says nothing.
  const ratio = fields.ratio ??
    (fields.baseline === undefined || fields.baseline.value === 0 ? undefined : fields.herald / fields.baseline.value)
  const target = fields.target
  const judged = target === undefined ? undefined : target.onRatio === true ? ratio : fields.herald
  const pass = target === undefined || judged === undefined || Number.isNaN(judged)
    ? undefined
    : target.op === ">="
    ? judged >= target.value
    : target.op === "<"
    ? judged < target.value
    : judged <= target.value
  return {
    ...fields,
    ...(ratio === undefined ? {} : { ratio }),
    ...(pass === undefined ? {} : { pass })
  }
}

/** Three significant figures, thousands separated; integers above 1,000 shown whole. */
export const formatNumber = (value: number): string => {
  if (Number.isNaN(value)) return "n/a"
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf"
  const abs = Math.abs(value)
  if (abs >= 1_000) return Math.round(value).toLocaleString("en-US")
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)
  return value.toPrecision(2)
}

const formatTarget = (row: Row): string => {
  if (row.target === undefined) return ""
  const value = row.target.onRatio === true ? `${formatNumber(row.target.value)}x` : `${formatNumber(row.target.value)} ${row.unit}`
  return `${row.target.op} ${value}`
}

const verdict = (row: Row): string => (row.pass === undefined ? "" : row.pass ? "PASS" : "FAIL")

export const tableLines = (rows: ReadonlyArray<Row>): Array<string> => {
  const header = ["scenario", "metric", "Herald", "baseline", "ratio", "target", "result", "note"]
  const cells = rows.map((row) => [
    row.scenario,
    row.metric,
    `${formatNumber(row.herald)} ${row.unit}`,
    row.baseline === undefined ? "" : `${formatNumber(row.baseline.value)} (${row.baseline.name})`,
    row.ratio === undefined ? "" : `${formatNumber(row.ratio)}x`,
    formatTarget(row),
    verdict(row),
    row.note ?? ""
  ])
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i]!.length)))
  const line = (cols: ReadonlyArray<string>) => cols.map((col, i) => col.padEnd(widths[i]!)).join("  ").trimEnd()
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...cells.map(line)]
}

/** The same table as Markdown, for BENCHMARKS.md. */
export const markdownLines = (rows: ReadonlyArray<Row>): Array<string> => [
  "| scenario | metric | Herald | baseline (same run) | ratio | target | result | note |",
  "| --- | --- | ---: | ---: | ---: | --- | --- | --- |",
  ...rows.map((row) =>
    `| ${row.scenario} | ${row.metric} | ${formatNumber(row.herald)} ${row.unit} | ${
      row.baseline === undefined ? "" : `${formatNumber(row.baseline.value)} (${row.baseline.name})`
    } | ${row.ratio === undefined ? "" : `${formatNumber(row.ratio)}x`} | ${formatTarget(row)} | ${verdict(row)} | ${row.note ?? ""} |`
  )
]
