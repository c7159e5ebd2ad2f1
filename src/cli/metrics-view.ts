import type { FunctionMetrics, MetricsResponse, MetricsWindow } from '../api/admin-api'
import { printTable } from './commands/_table'

const CLASS_LABELS: Array<[keyof MetricsWindow['errors'], string]> = [['5xx', '5xx'], ['crash', 'crash'], ['timeout', 'timeout'], ['outOfMemory', 'oom'], ['startFailed', 'start']]

/** 0.42ms, 4.2ms, 312ms, 2.05s. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-'
  if (ms < 10) return `${ms.toFixed(ms < 1 ? 2 : 1)}ms`
  if (ms < 1000) return `${Math.round(ms)}ms`
  return `${(ms / 1000).toFixed(2)}s`
}

export const formatRate = (rate: number) => `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 2 : 1)}%`

/** "5xx 1 · crash 2": the server-side failures by class, those that happened. */
function failures(window: MetricsWindow): string {
  return CLASS_LABELS.filter(([key]) => window.errors[key] > 0).map(([key, label]) => `${label} ${window.errors[key]}`).join(' · ')
}

const HEADER = ['CALLS', '4XX', 'ERRORS', 'ERROR RATE', 'COLD', 'AVG', 'P50', 'P95', 'P99', 'PEAK', 'FAILURES']

function cells(window: MetricsWindow): string[] {
  const d = window.duration
  return [String(window.invocations), String(window.errors['4xx']), String(window.serverErrors), formatRate(window.errorRate), String(window.coldStarts), formatMs(d?.avgMs), formatMs(d?.p50Ms), formatMs(d?.p95Ms), formatMs(d?.p99Ms), String(window.concurrencyPeak), failures(window)]
}

/** "0", "2 (peak 5)": the value now, and the window's peak when higher; a gauge with no sample above 0 reads 0. */
function gaugeCell(gauge: { current: number | null, peak: number | null }): string {
  const now = gauge.current ?? 0
  const peak = Math.max(now, gauge.peak ?? 0)
  return peak > now ? `${now} (peak ${peak})` : String(now)
}

const hasGaugeValues = (fn: FunctionMetrics) => Object.values(fn.gauges).some(g => (g.current ?? 0) > 0 || (g.peak ?? 0) > 0)

/** One row per function, one column per gauge (`ASYNC QUEUE DEPTH`, `ASYNC DEAD LETTERS`). */
function printGauges(functions: FunctionMetrics[]): void {
  const names = [...new Set(functions.flatMap(fn => Object.keys(fn.gauges)))]
  if (names.length === 0) return
  process.stdout.write('\n')
  printTable([['FUNCTION', ...names.map(name => name.replaceAll('_', ' ').toUpperCase())], ...functions.map(fn => [fn.name, ...names.map(name => fn.gauges[name] ? gaugeCell(fn.gauges[name]) : '-')])])
}

/** `lambda metrics`: one row per function, or per version of the one function asked for. */
export function printMetrics(result: MetricsResponse, one: boolean): void {
  process.stdout.write(`Window: ${result.since} → ${result.until} (whole minutes)\n\n`)
  if (!one) {
    printTable([['FUNCTION', ...HEADER], ...result.functions.map(fn => [fn.name, ...cells(fn.window)])])
    // Only the functions whose gauges say something: a row of zeros per function is noise.
    printGauges(result.functions.filter(hasGaugeValues))
    return
  }
  const [fn] = result.functions
  if (!fn) return
  printTable([['VERSION', ...HEADER], ...fn.versions.map(v => [`v${v.version}`, ...cells(v.window)]), ...(fn.versions.length > 1 ? [['all', ...cells(fn.window)]] : [])])
  const { total } = fn
  process.stdout.write(`\nSince ${total.since ?? 'the first invocation'}: ${total.invocations} invocations, ${total.serverErrors} errors, ${total.errors['4xx']} 4xx, ${total.coldStarts} cold starts, avg ${formatMs(total.durationAvgMs ?? undefined)}\n`)
  printGauges([fn])
}
