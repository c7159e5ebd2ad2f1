/**
 * Durations are counted in logarithmic bins, two per doubling (each bin √2 wider than the one below),
 * so a minute's durations fit in a fixed, small array that merges by addition: percentiles of any
 * window are computed from the sum of its minutes. A percentile is exact to within its bin (±19%),
 * and never above the window's largest duration.
 *
 * Bin k holds durations up to 2^((k - 4) / 2) ms: bin 0 up to 0.25 ms, bin 4 up to 1 ms, bin 44 up to
 * 2^20 ms (17.5 min, past the longest timeout); the last bin holds anything longer.
 */
export const DURATION_BINS = 46

const LAST_BIN = DURATION_BINS - 1

/** The bin of a duration in ms: O(1), no allocation (the gateway's hot path). */
export function durationBin(ms: number): number {
  if (!(ms > 0.25)) return 0
  const bin = Math.ceil(2 * Math.log2(ms) + 4)
  return bin < LAST_BIN ? bin : LAST_BIN
}

/** The largest duration (ms) bin `k` holds; Infinity for the last one. */
export function binUpperMs(k: number): number {
  return k >= LAST_BIN ? Number.POSITIVE_INFINITY : 2 ** ((k - 4) / 2)
}

/** The smallest duration (ms) bin `k` holds (exclusive). */
export function binLowerMs(k: number): number {
  return k <= 0 ? 0 : binUpperMs(k - 1)
}

/**
 * The duration under which `p` (0–1) of the counted durations fall, from summed bins: found in its bin,
 * then placed within it (log-linearly, as durations spread), and capped by `maxMs`. Null without counts.
 */
export function percentileFromBins(bins: ArrayLike<number>, p: number, maxMs: number): number | null {
  let total = 0
  for (let k = 0; k < DURATION_BINS; k++) total += bins[k]!
  if (total === 0) return null
  const rank = Math.max(1, Math.ceil(p * total))
  let seen = 0
  for (let k = 0; k < DURATION_BINS; k++) {
    const count = bins[k]!
    if (count === 0 || seen + count < rank) {
      seen += count
      continue
    }
    const upper = binUpperMs(k)
    if (k === 0) return Math.min(upper, maxMs)
    if (upper === Number.POSITIVE_INFINITY) return maxMs
    const lower = binLowerMs(k)
    const within = (rank - seen) / count
    return Math.min(lower * (upper / lower) ** within, maxMs)
  }
  return maxMs
}
