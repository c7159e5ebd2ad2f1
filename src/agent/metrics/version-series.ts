import { durationBin } from './duration-bins'
import { M, MINUTE_COUNTERS, MINUTE_SUMS, MINUTES_KEPT, MS, PAGE_BYTES, PAGE_MINUTES, PAGES_KEPT, PROMETHEUS_BUCKETS, T, TOTALS_LENGTH } from './layout'

/** Ten minutes of one version's records, in one buffer (so it is saved and restored as one). */
export interface Page {
  /** Which ten minutes: minute / PAGE_MINUTES. */
  index: number
  readonly buffer: ArrayBuffer
  readonly sums: Float64Array
  readonly counts: Uint32Array
}

export function createPage(index: number, buffer = new ArrayBuffer(PAGE_BYTES)): Page {
  const sumsLength = PAGE_MINUTES * MINUTE_SUMS
  return { index, buffer, sums: new Float64Array(buffer, 0, sumsLength), counts: new Uint32Array(buffer, sumsLength * 8, PAGE_MINUTES * MINUTE_COUNTERS) }
}

/** The oldest minute still kept at `minute`. */
export const oldestKept = (minute: number) => minute - MINUTES_KEPT + 1

/**
 * The metrics of one function version: lifetime totals, and per-minute records for the last 24 h in a
 * ring of ten-minute pages (a page's memory is reused once its minutes are older than 24 h).
 */
export class VersionSeries {
  readonly totals = new Float64Array(TOTALS_LENGTH)
  /** By page index modulo PAGES_KEPT. */
  readonly pages: Array<Page | undefined> = Array.from({ length: PAGES_KEPT })
  /** Recorded since the last save. */
  dirty = false
  private current: Page | undefined
  /** Pages whose memory was reused for newer minutes before `expire` saw them (their saved copies must go too). */
  private reused: number[] = []

  constructor(readonly functionName: string, readonly version: string) {}

  /** One invocation that ended in `minute`. Allocation-free except for a page's first use. */
  record(minute: number, now: number, status: number, errorClass: number, durationMs: number, coldStart: boolean): void {
    const page = this.pageFor(minute)
    const c = (minute - page.index * PAGE_MINUTES) * MINUTE_COUNTERS
    const counts = page.counts
    counts[c + M.invocations]!++
    if (errorClass >= 0) counts[c + M.errors + errorClass]!++
    if (coldStart) counts[c + M.coldStarts]!++
    counts[c + M.bins + durationBin(durationMs)]!++
    const s = (minute - page.index * PAGE_MINUTES) * MINUTE_SUMS
    const sums = page.sums
    sums[s + MS.durationSum]! += durationMs
    if (durationMs > sums[s + MS.durationMax]!) sums[s + MS.durationMax] = durationMs

    const totals = this.totals
    if (totals[T.since] === 0) totals[T.since] = now
    totals[T.invocations]!++
    const statusClass = Math.floor(status / 100)
    totals[T.statusClasses + (statusClass < 1 ? 0 : statusClass > 5 ? 4 : statusClass - 1)]!++
    if (errorClass >= 0) totals[T.errors + errorClass]!++
    if (coldStart) totals[T.coldStarts]!++
    totals[T.durationSumMs]! += durationMs
    const seconds = durationMs / 1000
    let bucket = 0
    while (bucket < PROMETHEUS_BUCKETS.length && seconds > PROMETHEUS_BUCKETS[bucket]!) bucket++
    totals[T.buckets + bucket]!++
    this.dirty = true
  }

  /** The most requests in flight at once seen during `minute` (sampled from the instance pool). */
  notePeak(minute: number, peak: number): void {
    const page = this.pageFor(minute)
    const c = (minute - page.index * PAGE_MINUTES) * MINUTE_COUNTERS + M.concurrencyPeak
    if (peak > page.counts[c]!) {
      page.counts[c] = peak
      this.dirty = true
    }
  }

  /** The concurrency peak noted for `minute` (0 when none). */
  peakAt(minute: number): number {
    const index = Math.floor(minute / PAGE_MINUTES)
    const page = this.page(index)
    return page ? page.counts[(minute - index * PAGE_MINUTES) * MINUTE_COUNTERS + M.concurrencyPeak]! : 0
  }

  /** The page holding `index`, if it is kept. */
  page(index: number): Page | undefined {
    const page = this.pages[index % PAGES_KEPT]
    return page?.index === index ? page : undefined
  }

  /** Puts a restored page in its place (a newer one already there wins). */
  restorePage(page: Page): void {
    const slot = page.index % PAGES_KEPT
    const there = this.pages[slot]
    if (!there || there.index < page.index) this.pages[slot] = page
  }

  /** Frees the pages whose minutes are all older than 24 h at `minute`; returns their indexes (and those of pages reused since). */
  expire(minute: number): number[] {
    const expired = this.reused
    this.reused = []
    const oldestPage = Math.floor(oldestKept(minute) / PAGE_MINUTES)
    for (let slot = 0; slot < PAGES_KEPT; slot++) {
      const page = this.pages[slot]
      if (page && page.index < oldestPage) {
        expired.push(page.index)
        this.pages[slot] = undefined
        if (this.current === page) this.current = undefined
      }
    }
    return expired
  }

  hasPages(): boolean {
    return this.pages.some(page => page !== undefined)
  }

  private pageFor(minute: number): Page {
    const index = Math.floor(minute / PAGE_MINUTES)
    const current = this.current
    if (current !== undefined && current.index === index) return current
    const slot = index % PAGES_KEPT
    let page = this.pages[slot]
    if (page === undefined) {
      page = createPage(index)
      this.pages[slot] = page
    }
    else if (page.index !== index) {
      // Its minutes are more than 24 h old: the memory is reused.
      this.reused.push(page.index)
      page.sums.fill(0)
      page.counts.fill(0)
      page.index = index
    }
    this.current = page
    return page
  }
}
