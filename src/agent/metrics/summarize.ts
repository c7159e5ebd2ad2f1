import type { FunctionMetrics, GaugeReading, MetricsPoint, RecentActivity, VersionMetrics } from '../../api/admin-api'
import type { FunctionGauges } from './function-gauges'
import type { MetricsStore } from './metrics-store'
import type { VersionSeries } from './version-series'
import { PAGE_MINUTES, TOTALS_LENGTH } from './layout'
import { addTotals, totalsToJSON, WindowStats } from './window-stats'

/** Whole minutes, both ends included. */
export interface MinuteRange {
  from: number
  to: number
}

/** Adds each minute of `series` in `range` to `each(minute)`'s stats. */
function forEachMinute(series: VersionSeries, range: MinuteRange, each: (minute: number) => WindowStats | undefined): void {
  for (let index = Math.floor(range.from / PAGE_MINUTES); index <= Math.floor(range.to / PAGE_MINUTES); index++) {
    const page = series.page(index)
    if (!page) continue
    const first = Math.max(range.from, index * PAGE_MINUTES)
    const last = Math.min(range.to, index * PAGE_MINUTES + PAGE_MINUTES - 1)
    for (let minute = first; minute <= last; minute++) each(minute)?.addMinute(page, minute)
  }
}

function windowOf(series: VersionSeries, range: MinuteRange): WindowStats {
  const stats = new WindowStats()
  forEachMinute(series, range, () => stats)
  return stats
}

/** The numbers `lambda metrics` shows for one function over `range`. */
export function summarizeFunction(name: string, store: MetricsStore, gauges: FunctionGauges, range: MinuteRange, current: Map<string, number> | undefined): FunctionMetrics {
  const all = store.versionsOf(name).sort((a, b) => Number(b.version) - Number(a.version))
  const window = new WindowStats()
  const totals = new Float64Array(TOTALS_LENGTH)
  const versions: VersionMetrics[] = []
  const minutes = new Map<number, WindowStats>()
  for (const series of all) {
    const stats = windowOf(series, range)
    window.add(stats)
    addTotals(totals, series.totals)
    versions.push({ version: Number(series.version), window: stats.toJSON(), total: totalsToJSON(series.totals) })
    forEachMinute(series, range, (minute) => {
      let stats = minutes.get(minute)
      if (!stats) minutes.set(minute, stats = new WindowStats())
      return stats
    })
  }

  const readings: Record<string, GaugeReading> = {}
  for (const gauge of gauges.names()) readings[gauge] = { current: current?.get(gauge) ?? null, peak: null }
  const series: MetricsPoint[] = []
  for (let minute = range.from; minute <= range.to; minute++) {
    const stats = minutes.get(minute)
    const sampled = gauges.minute(name, minute)
    if ((!stats || stats.isEmpty()) && !sampled) continue
    for (const [gauge, value] of Object.entries(sampled ?? {})) {
      const reading = readings[gauge]
      if (reading) reading.peak = Math.max(reading.peak ?? value, value)
    }
    series.push({ at: new Date(minute * 60_000).toISOString(), ...(stats ?? new WindowStats()).toJSON(), ...(sampled ? { gauges: sampled } : {}) })
  }
  return { name, window: window.toJSON(), total: totalsToJSON(totals), gauges: readings, versions, series }
}

/** Invocations and error rate of the last hour, for `lambda list`. */
export function recentActivity(name: string, store: MetricsStore, range: MinuteRange): RecentActivity {
  const stats = new WindowStats()
  for (const series of store.versionsOf(name)) stats.add(windowOf(series, range))
  const { invocations, serverErrors, errorRate, errors } = stats.toJSON()
  return { invocations, errors: serverErrors, clientErrors: errors['4xx'], errorRate }
}
