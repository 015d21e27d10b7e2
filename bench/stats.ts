/** Summary of one figure over the rounds: the median is what the report compares, min-max shows the spread. */
export interface Summary {
  runs: number[];
  median: number;
  min: number;
  max: number;
}

export function summarize(runs: number[]): Summary {
  const sorted = [...runs].sort((a, b) => a - b);
  return { runs, median: percentile(sorted, 50), min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN };
}

/**
 * The p-th percentile of an ascending array, by linear interpolation between closest ranks (so the median of an
 * even count is the mean of the middle two, and p100 is the max).
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}
