import { describe, expect, it } from "vitest"
import { escapeXml, render } from "../src/Chart.js"

describe("render", () => {
  const svg = render({
    title: "Herald <bench>",
    subtitle: "a & b",
    panels: [
      {
        title: "Deliveries",
        unit: "/s",
        bars: [
          { label: "Herald", value: 3_000, herald: true },
          { label: "naive", value: 1_500, herald: false },
          { label: "missing", value: Number.NaN, herald: false }
        ],
        target: { value: 3_000, label: "target 3,000" }
      }
    ]
  })

  it("is one SVG document with the text escaped", () => {
    expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true)
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true)
    expect(svg).toContain("Herald &lt;bench&gt;")
    expect(svg).toContain("a &amp; b")
  })

  it("scales bars to the largest value, and draws a missing one empty", () => {
    const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)"/g)].map((match) => Number(match[1]))
    expect(widths).toHaveLength(3)
    expect(widths[0]).toBeCloseTo(widths[1]! * 2, 0)
    expect(widths[2]).toBe(0)
    expect(svg).toContain("n/a")
    expect(svg).toContain("stroke-dasharray")
  })
})

describe("escapeXml", () => {
  it("escapes markup characters", () => {
    expect(escapeXml(`<a href="x">&</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;")
  })
})
