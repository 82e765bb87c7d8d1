/**
 * Two sides measured alternately, so that a machine getting faster or slower over
 * a scenario falls on both alike: pairs of runs whose order flips from one pair
 * to the next (A B, B A, A B, ...). Figures are the medians of each side's runs,
 * a ratio the median of the pairs' ratios (the two runs of a pair are the closest
 * in time).
 */
import { median } from "./Stats.js"

/** The sides in run order for `pairs` pairs, `first` leading the first pair. */
export const order = <A>(pairs: number, first: A, second: A): Array<A> =>
  Array.from({ length: pairs }, (_, pair) => (pair % 2 === 0 ? [first, second] : [second, first])).flat()

/**
 * Each pair's ratio `value(numerator side) / value(denominator side)`, for runs in the order
 * `order` gave (run `2i` and `2i + 1` are pair `i`); an incomplete last pair is left out.
 */
export const pairRatios = <R extends { readonly side: A }, A>(
  runs: ReadonlyArray<R>,
  numerator: A,
  value: (run: R) => number
): Array<number> => {
  const ratios: Array<number> = []
  for (let i = 0; i + 1 < runs.length; i += 2) {
    const [a, b] = [runs[i]!, runs[i + 1]!]
    const [top, bottom] = a.side === numerator ? [a, b] : [b, a]
    ratios.push(value(top) / value(bottom))
  }
  return ratios
}

/** The median of one side's values. */
export const sideMedian = <R extends { readonly side: A }, A>(runs: ReadonlyArray<R>, side: A, value: (run: R) => number): number =>
  median(runs.filter((run) => run.side === side).map(value))
