/**
 * Latency statistics over raw samples. The bench keeps every sample (a run has
 * at most a few hundred thousand), so percentiles are exact rather than
 * histogram-bucketed: a p99 printed here is a latency that was observed.
 */

export interface Summary {
  readonly count: number
  readonly min: number
  readonly mean: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

/**
 * Nearest-rank percentile of ascending `sorted` samples: the smallest sample
 * such that at least `p`% of the samples are less than or equal to it.
 * NaN for no samples.
 */
export const percentile = (sorted: ArrayLike<number>, p: number): number => {
  if (sorted.length === 0) return Number.NaN
  if (p <= 0) return sorted[0]!
  if (p >= 100) return sorted[sorted.length - 1]!
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.max(0, rank - 1)]!
}

export const summarize = (samples: ArrayLike<number>): Summary => {
  const sorted = Float64Array.from(samples).sort()
  let total = 0
  for (const sample of sorted) total += sample
  return {
    count: sorted.length,
    min: sorted.length === 0 ? Number.NaN : sorted[0]!,
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!
  }
}

/** Events per second over `ms` milliseconds. */
export const rate = (count: number, ms: number): number => (ms <= 0 ? Number.NaN : (count * 1000) / ms)

/** The median of `values` (nearest rank: for an even count, the lower of the two middle ones); NaN for none. */
export const median = (values: ArrayLike<number>): number => summarize(values).p50
