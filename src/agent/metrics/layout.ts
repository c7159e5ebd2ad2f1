import { DURATION_BINS } from './duration-bins'
import { ERROR_CLASSES } from './error-classes'

/**
 * Where each number lives, in a minute's record and in a series' lifetime totals. Typed arrays at
 * fixed offsets: recording an invocation writes a few numbers and allocates nothing.
 */

/** Minutes kept: the last 24 h, plus the current one. */
export const MINUTES_KEPT = 24 * 60 + 1

/** Minutes are kept in pages: memory is taken a page at a time, only for minutes that saw traffic. */
export const PAGE_MINUTES = 10

/** Pages that can hold any minute still kept. */
export const PAGES_KEPT = Math.ceil(MINUTES_KEPT / PAGE_MINUTES) + 1

/** Counters of one minute (Uint32). */
export const M = {
  invocations: 0,
  /** One per error class, in ERROR_CLASSES order. */
  errors: 1,
  coldStarts: 1 + ERROR_CLASSES.length,
  concurrencyPeak: 2 + ERROR_CLASSES.length,
  /** DURATION_BINS counts. */
  bins: 3 + ERROR_CLASSES.length,
} as const
export const MINUTE_COUNTERS = M.bins + DURATION_BINS

/** Sums of one minute (Float64). */
export const MS = { durationSum: 0, durationMax: 1 } as const
export const MINUTE_SUMS = 2

/** Bytes of one page: its sums (8-byte aligned, first), then its counters. */
export const PAGE_BYTES = PAGE_MINUTES * (MINUTE_SUMS * 8 + MINUTE_COUNTERS * 4)

/** Upper bounds (seconds) of the Prometheus duration histogram: prom-client's defaults, widened both ways. */
export const PROMETHEUS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900] as const

/** A series' totals since it was first seen (Float64: exact up to 2^53). */
export const T = {
  invocations: 0,
  /** Five: status 1xx to 5xx. */
  statusClasses: 1,
  errors: 6,
  coldStarts: 6 + ERROR_CLASSES.length,
  durationSumMs: 7 + ERROR_CLASSES.length,
  /** When the agent first counted an invocation of this version (epoch ms). */
  since: 8 + ERROR_CLASSES.length,
  /** Per Prometheus bucket (not cumulative), plus one for longer durations. */
  buckets: 9 + ERROR_CLASSES.length,
} as const
export const TOTALS_LENGTH = T.buckets + PROMETHEUS_BUCKETS.length + 1
