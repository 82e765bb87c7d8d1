import { describe, expect, it } from "vitest"
import { spec } from "../src/ResultsChart.js"

const config = { rates: [200, 1_000], fanOut: 10_000, backlog: 100_000, publishRate: 1_000 }

describe("spec", () => {
  it("sets Herald's end-to-end figures beside the naive pipeline's, Herald coloured", () => {
    const figures = new Map([
      ["herald.e2eDeliveriesPerSecond", 1_200],
      ["herald.batchE2eDeliveriesPerSecond", 3_100],
      ["naivePipeline.deliveriesPerSecond", 1_300],
      ["e2e.totalCpuMs", 1.2],
      ["naivePipeline.totalCpuMs", 0.9]
    ])
    const { panels } = spec(figures, config, "")
    expect(panels.map((panel) => panel.title)).toEqual([
      "End to end (publish + deliver), deliveries per second",
      "End to end, CPU per event (single publishes)"
    ])
    expect(panels[0]!.bars.map((bar) => [bar.value, bar.herald])).toEqual([[1_200, true], [3_100, true], [1_300, false]])
    expect(panels[1]!.bars.map((bar) => bar.value)).toEqual([1.2, 0.9])
  })

  it("leaves out a panel whose scenario did not run", () => {
    expect(spec(new Map(), config, "").panels).toEqual([])
  })
})
