import type { PromData, PromHistogramData, PromMetrics } from 'prom2javascript'
import { getMetricsFromIterator } from 'prom2javascript'

/**
 * Parses the Prometheus text format with a real parser (prom2javascript, which also rejects a
 * histogram whose +Inf bucket and count differ), family by family. Families other than `families`
 * are left out: prom-client writes `Nan` for the event loop lag before its first sample, which
 * Prometheus reads (Go's ParseFloat) but prom2javascript does not.
 */
export function parsePrometheus(text: string, families = /^(?:mini_lambda_|process_)/): Promise<PromMetrics> {
  const kept: string[] = []
  let keep = false
  for (const line of text.split('\n')) {
    const help = /^# HELP (\S+)/.exec(line)
    if (help) keep = families.test(help[1]!)
    if (keep) kept.push(line)
  }
  return getMetricsFromIterator(kept[Symbol.iterator]())
}

const matches = (have: Record<string, string>, want: Record<string, string>) => Object.entries(want).every(([k, v]) => have[k] === v)

/** The value of the one sample of `name` whose labels include `labels`; throws when there is not exactly one. */
export function sampleOf(metrics: PromMetrics, name: string, labels: Record<string, string>): number {
  const found = (metrics[name]?.data as PromData[] | undefined)?.filter(d => matches(d.labels, labels)) ?? []
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name}${JSON.stringify(labels)}`)
  return found[0]!.value
}

export function histogramOf(metrics: PromMetrics, name: string, labels: Record<string, string>): PromHistogramData {
  const found = (metrics[name]?.data as PromHistogramData[] | undefined)?.filter(d => matches(d.labels, labels)) ?? []
  if (found.length !== 1) throw new Error(`${found.length} histograms ${name}${JSON.stringify(labels)}`)
  return found[0]!
}
