/**
 * A hand-written SVG chart: one panel per question (deliveries/s, publish
 * throughput, latency, fan-out, memory), each a set of horizontal bars on its
 * own linear scale, Herald in colour beside its baselines in grey, the issue's
 * target as a dashed line. No chart library: it is a few rectangles and labels.
 */
import { formatNumber } from "./Report.js"

export interface Bar {
  readonly label: string
  readonly value: number
  /** Herald's own figure (coloured), or a baseline (grey). */
  readonly herald: boolean
}

export interface Panel {
  readonly title: string
  readonly unit: string
  readonly bars: ReadonlyArray<Bar>
  readonly target?: { readonly value: number; readonly label: string }
}

export interface ChartSpec {
  readonly title: string
  readonly subtitle: string
  readonly panels: ReadonlyArray<Panel>
}

const WIDTH = 920
const LABEL_WIDTH = 300
const PLOT_WIDTH = 470
const BAR_HEIGHT = 20
const BAR_GAP = 6
const PANEL_GAP = 26
const TITLE_HEIGHT = 22
const TARGET_LABEL_HEIGHT = 12

const HERALD = "#2563eb"
const BASELINE = "#9ca3af"
const TARGET = "#dc2626"

export const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const text = (x: number, y: number, content: string, attributes = ""): string =>
  `<text x="${x}" y="${y}" ${attributes}>${escapeXml(content)}</text>`

export const render = (spec: ChartSpec): string => {
  const parts: Array<string> = []
  let y = 56
  for (const panel of spec.panels) {
    const finite = panel.bars.map((bar) => bar.value).filter((value) => Number.isFinite(value))
    const top = Math.max(...finite, panel.target?.value ?? 0, Number.MIN_VALUE) * 1.1
    const scale = (value: number) => (Number.isFinite(value) ? Math.max(0, (value / top) * PLOT_WIDTH) : 0)
    parts.push(text(16, y + 14, `${panel.title} (${panel.unit})`, `class="panel"`))
    y += TITLE_HEIGHT
    const barsTop = y
    for (const bar of panel.bars) {
      parts.push(text(LABEL_WIDTH - 8, y + BAR_HEIGHT - 6, bar.label, `text-anchor="end"`))
      const width = scale(bar.value)
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${bar.herald ? HERALD : BASELINE}" rx="2"/>`
      )
      parts.push(text(LABEL_WIDTH + width + 6, y + BAR_HEIGHT - 6, Number.isFinite(bar.value) ? formatNumber(bar.value) : "n/a"))
      y += BAR_HEIGHT + BAR_GAP
    }
    if (panel.target !== undefined) {
      // The line spans the bars; its label sits under it, clear of the panel title.
      const x = LABEL_WIDTH + scale(panel.target.value)
      const bottom = y - BAR_GAP + 4
      parts.push(
        `<line x1="${x.toFixed(1)}" y1="${barsTop - 4}" x2="${x.toFixed(1)}" y2="${bottom}" stroke="${TARGET}" stroke-width="1.5" stroke-dasharray="5,3"/>`
      )
      parts.push(text(x + 4, bottom + 10, panel.target.label, `class="target"`))
      y += TARGET_LABEL_HEIGHT
    }
    y += PANEL_GAP
  }
  const height = y + 10
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<style>.title{font-size:16px;font-weight:600}.subtitle{fill:#4b5563}.panel{font-weight:600}.target{fill:${TARGET};font-size:11px}</style>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(16, 24, spec.title, `class="title"`),
    text(16, 42, spec.subtitle, `class="subtitle"`),
    ...parts,
    `</svg>`,
    ""
  ].join("\n")
}
