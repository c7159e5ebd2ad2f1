import type { Storage } from 'unstorage'
import type { ErrorCounts } from '../../api/admin-api'
import type { MetricsStore } from './metrics-store'
import type { VersionSeries } from './version-series'
import { FUNCTION_NAME_RE } from '../../config/function-name'
import { DURATION_BINS } from './duration-bins'
import { ERROR_CLASSES } from './error-classes'
import { MINUTE_COUNTERS, PAGE_BYTES, PAGE_MINUTES, PROMETHEUS_BUCKETS, T } from './layout'
import { minuteOf } from './metrics-store'
import { createPage, oldestKept } from './version-series'

/**
 * Metrics in the agent's store, one record per version's totals and per ten-minute page:
 * `metrics:<fn>:<version>:totals` and `metrics:<fn>:<version>:p<page>`. A save writes only what changed
 * (a busy version: its totals and its current page), each record atomically.
 */
const FORMAT = 1
const PREFIX = 'metrics'
const KEY_RE = /^metrics:([^:]+):(\d+):(totals|p\d+)$/

const totalsKey = (series: VersionSeries) => `${PREFIX}:${series.functionName}:${series.version}:totals`
const pageKey = (series: VersionSeries, index: number) => `${PREFIX}:${series.functionName}:${series.version}:p${index}`

interface StoredTotals {
  format: number
  since: number
  invocations: number
  /** 1xx … 5xx */
  statusClasses: number[]
  errors: ErrorCounts
  coldStarts: number
  durationSumMs: number
  /** Non-cumulative counts per bound (seconds); the last count is for longer durations. */
  buckets: { bounds: number[], counts: number[] }
}

interface StoredPage {
  format: number
  index: number
  /** The layout the bytes follow: a page written by another layout is dropped, not misread. */
  layout: { minutes: number, counters: number, bins: number }
  data: string
}

const LAYOUT = { minutes: PAGE_MINUTES, counters: MINUTE_COUNTERS, bins: DURATION_BINS }

function encodeTotals(totals: Float64Array): StoredTotals {
  return {
    format: FORMAT,
    since: totals[T.since]!,
    invocations: totals[T.invocations]!,
    statusClasses: [...totals.subarray(T.statusClasses, T.statusClasses + 5)],
    errors: Object.fromEntries(ERROR_CLASSES.map((name, i) => [name, totals[T.errors + i]!])) as unknown as ErrorCounts,
    coldStarts: totals[T.coldStarts]!,
    durationSumMs: totals[T.durationSumMs]!,
    buckets: { bounds: [...PROMETHEUS_BUCKETS], counts: [...totals.subarray(T.buckets, T.buckets + PROMETHEUS_BUCKETS.length + 1)] },
  }
}

const count = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0

function decodeTotals(stored: StoredTotals, into: Float64Array): void {
  into[T.since] = count(stored.since)
  into[T.invocations] = count(stored.invocations)
  for (let i = 0; i < 5; i++) into[T.statusClasses + i] = count(stored.statusClasses?.[i])
  ERROR_CLASSES.forEach((name, i) => into[T.errors + i] = count(stored.errors?.[name]))
  into[T.coldStarts] = count(stored.coldStarts)
  into[T.durationSumMs] = count(stored.durationSumMs)
  // Bounds saved by another release: each count goes to the bucket its upper bound falls in.
  const bounds = Array.isArray(stored.buckets?.bounds) ? stored.buckets.bounds : []
  const counts = Array.isArray(stored.buckets?.counts) ? stored.buckets.counts : []
  counts.forEach((value, i) => {
    const upper = i < bounds.length ? count(bounds[i]) : Number.POSITIVE_INFINITY
    let bucket = 0
    while (bucket < PROMETHEUS_BUCKETS.length && upper > PROMETHEUS_BUCKETS[bucket]!) bucket++
    into[T.buckets + bucket]! += count(value)
  })
}

function decodePage(stored: StoredPage) {
  const { layout } = stored
  if (layout?.minutes !== LAYOUT.minutes || layout.counters !== LAYOUT.counters || layout.bins !== LAYOUT.bins) return undefined
  const bytes = Buffer.from(String(stored.data), 'base64')
  if (bytes.byteLength !== PAGE_BYTES || !Number.isSafeInteger(stored.index)) return undefined
  const buffer = new ArrayBuffer(PAGE_BYTES)
  new Uint8Array(buffer).set(bytes)
  return createPage(stored.index, buffer)
}

/** Reads what an earlier run saved into `store`; drops pages older than 24 h. Unreadable records are skipped with a warning. */
export async function loadMetrics(storage: Storage, store: MetricsStore, warn: (line: string) => void): Promise<void> {
  const oldestPage = Math.floor(oldestKept(minuteOf(store.clock())) / PAGE_MINUTES)
  for (const key of await storage.getKeys(PREFIX)) {
    const match = KEY_RE.exec(key)
    if (!match || !FUNCTION_NAME_RE.test(match[1]!)) continue
    const [, fn, version, leaf] = match as unknown as [string, string, string, string]
    try {
      if (leaf !== 'totals' && Number(leaf.slice(1)) < oldestPage) {
        await storage.removeItem(key)
        continue
      }
      const stored = await storage.getItem<StoredTotals & StoredPage>(key)
      if (!stored || typeof stored !== 'object' || stored.format !== FORMAT) throw new Error('not a metrics record of this format')
      const series = store.series(fn, String(Number(version)))
      if (leaf === 'totals') {
        decodeTotals(stored, series.totals)
        continue
      }
      const page = decodePage(stored)
      if (!page) throw new Error('a page of another layout')
      series.restorePage(page)
    }
    catch (error) {
      warn(`Metrics record ${key} was not restored: ${(error as Error).message}.`)
    }
  }
}

/**
 * Writes the series recorded into since `fromMinute` (their totals, and the pages from that minute's to
 * now's). A series whose writes fail stays marked, to be written at the next save. Resolves to whether
 * all writes succeeded.
 */
export async function saveMetrics(storage: Storage, store: MetricsStore, fromMinute: number): Promise<boolean> {
  const toPage = Math.floor(minuteOf(store.clock()) / PAGE_MINUTES)
  const writes: Array<Promise<void>> = []
  let ok = true
  for (const series of store.all()) {
    if (!series.dirty) continue
    // Cleared before the writes: what is recorded while they run marks it again.
    series.dirty = false
    const records: Array<[string, unknown]> = [[totalsKey(series), encodeTotals(series.totals)]]
    for (let index = Math.floor(fromMinute / PAGE_MINUTES); index <= toPage; index++) {
      const page = series.page(index)
      if (page) records.push([pageKey(series, index), { format: FORMAT, index, layout: LAYOUT, data: Buffer.from(page.buffer).toString('base64') } satisfies StoredPage])
    }
    writes.push(Promise.all(records.map(([key, value]) => storage.setItem(key, value as never))).then(() => {}, () => {
      series.dirty = true
      ok = false
    }))
  }
  await Promise.all(writes)
  return ok
}

/** Removes the saved pages of minutes now older than 24 h. */
export async function removePages(storage: Storage, series: VersionSeries, indexes: number[]): Promise<void> {
  await Promise.all(indexes.map(index => storage.removeItem(pageKey(series, index))))
}

/** Removes everything saved for a series (its function was deleted, or its version pruned and quiet for 24 h). */
export async function removeSeries(storage: Storage, series: VersionSeries): Promise<void> {
  const keys = await storage.getKeys(`${PREFIX}:${series.functionName}:${series.version}`)
  await Promise.all(keys.map(key => storage.removeItem(key)))
}
