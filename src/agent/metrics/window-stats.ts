import type { ErrorCounts, MetricsTotals, MetricsWindow } from '../../api/admin-api'
import type { Page } from './version-series'
import { DURATION_BINS, percentileFromBins } from './duration-bins'
import { CLIENT_ERROR, ERROR_CLASSES } from './error-classes'
import { M, MINUTE_COUNTERS, MINUTE_SUMS, MS, PAGE_MINUTES, T } from './layout'

/** Sums minutes (of any versions) into one window's numbers. */
export class WindowStats {
  invocations = 0
  coldStarts = 0
  concurrencyPeak = 0
  durationSum = 0
  durationMax = 0
  readonly errors = new Float64Array(ERROR_CLASSES.length)
  readonly bins = new Float64Array(DURATION_BINS)

  /** Adds minute `minute` of `page`. */
  addMinute(page: Page, minute: number): void {
    const at = minute - page.index * PAGE_MINUTES
    const c = at * MINUTE_COUNTERS
    const counts = page.counts
    this.invocations += counts[c + M.invocations]!
    this.coldStarts += counts[c + M.coldStarts]!
    this.concurrencyPeak = Math.max(this.concurrencyPeak, counts[c + M.concurrencyPeak]!)
    for (let e = 0; e < ERROR_CLASSES.length; e++) this.errors[e]! += counts[c + M.errors + e]!
    for (let k = 0; k < DURATION_BINS; k++) this.bins[k]! += counts[c + M.bins + k]!
    const s = at * MINUTE_SUMS
    this.durationSum += page.sums[s + MS.durationSum]!
    this.durationMax = Math.max(this.durationMax, page.sums[s + MS.durationMax]!)
  }

  add(other: WindowStats): void {
    this.invocations += other.invocations
    this.coldStarts += other.coldStarts
    this.concurrencyPeak = Math.max(this.concurrencyPeak, other.concurrencyPeak)
    for (let e = 0; e < ERROR_CLASSES.length; e++) this.errors[e]! += other.errors[e]!
    for (let k = 0; k < DURATION_BINS; k++) this.bins[k]! += other.bins[k]!
    this.durationSum += other.durationSum
    this.durationMax = Math.max(this.durationMax, other.durationMax)
  }

  isEmpty(): boolean {
    return this.invocations === 0 && this.concurrencyPeak === 0
  }

  toJSON(): MetricsWindow {
    const errors = errorCounts(i => this.errors[i]!)
    const serverErrors = serverErrorsOf(errors)
    const n = this.invocations
    return {
      invocations: n,
      errors,
      serverErrors,
      errorRate: n === 0 ? 0 : serverErrors / n,
      coldStarts: this.coldStarts,
      duration: n === 0
        ? null
        : {
            avgMs: this.durationSum / n,
            p50Ms: percentileFromBins(this.bins, 0.5, this.durationMax)!,
            p95Ms: percentileFromBins(this.bins, 0.95, this.durationMax)!,
            p99Ms: percentileFromBins(this.bins, 0.99, this.durationMax)!,
            maxMs: this.durationMax,
          },
      concurrencyPeak: this.concurrencyPeak,
    }
  }
}

export function errorCounts(count: (index: number) => number): ErrorCounts {
  return Object.fromEntries(ERROR_CLASSES.map((name, i) => [name, count(i)])) as unknown as ErrorCounts
}

/** Everything but the caller's mistakes. */
export function serverErrorsOf(errors: ErrorCounts): number {
  return ERROR_CLASSES.reduce((sum, name, i) => i === CLIENT_ERROR ? sum : sum + errors[name], 0)
}

/** A series' (or several series') lifetime totals as the API shows them. */
export function totalsToJSON(totals: Float64Array): MetricsTotals {
  const errors = errorCounts(i => totals[T.errors + i]!)
  const n = totals[T.invocations]!
  return {
    since: totals[T.since] ? new Date(totals[T.since]!).toISOString() : null,
    invocations: n,
    errors,
    serverErrors: serverErrorsOf(errors),
    coldStarts: totals[T.coldStarts]!,
    durationAvgMs: n === 0 ? null : totals[T.durationSumMs]! / n,
  }
}

/** Adds `from` into `into` (the earliest `since` wins). */
export function addTotals(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i++) {
    if (i === T.since) into[i] = into[i] && from[i] ? Math.min(into[i]!, from[i]!) : (into[i] || from[i]!)
    else into[i]! += from[i]!
  }
}
