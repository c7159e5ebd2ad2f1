import type { Metric, Registry } from 'prom-client'
import type { ServingTable } from '../serving-table'
import type { FunctionGauge, FunctionGauges } from './function-gauges'
import type { MetricsStore } from './metrics-store'
import { ERROR_CLASS_LABELS, ERROR_CLASSES } from './error-classes'
import { PROMETHEUS_BUCKETS, T } from './layout'
import { processMetrics } from './process-metrics'

/** `prom-client`'s registry over the agent's metrics: every value is read from the store at scrape time, so the gateway never touches prom-client. */
export interface PrometheusExport {
  contentType: string
  text: () => Promise<string>
}

const NAME = 'mini_lambda'
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx']

interface Sources {
  store: MetricsStore
  gauges: FunctionGauges
  pools: Pick<ServingTable, 'activePools'>
  /** Pool peaks into the current minute, before they are read. */
  sample: () => void
  /** The most requests in flight at once in the current and the previous minute. */
  recentPeak: (fn: string, version: string) => number
}

export async function createPrometheusExport(sources: Sources): Promise<PrometheusExport> {
  const promClient = await import('prom-client')
  const { Counter, Gauge, Registry } = promClient
  const registry: Registry = new Registry()
  const { store } = sources
  const seriesLabels = (fn: string, version: string) => ({ function: fn, version })
  // `registers: []` keeps them out of prom-client's global registry (a second agent in one process would clash).
  const register = (metric: Metric) => registry.registerMetric(metric)

  register(new Counter({
    name: `${NAME}_invocations_total`,
    help: 'Invocations that reached a function, by the status class of their answer.',
    labelNames: ['function', 'version', 'status_class'],
    registers: [],
    collect() {
      this.reset()
      for (const series of store.all()) {
        STATUS_CLASSES.forEach((statusClass, i) => {
          const value = series.totals[T.statusClasses + i]!
          if (value > 0 || statusClass !== '1xx') this.inc({ ...seriesLabels(series.functionName, series.version), status_class: statusClass }, value)
        })
      }
    },
  }))
  register(new Counter({
    name: `${NAME}_errors_total`,
    help: 'Failed invocations by class: 4xx, 5xx, crash, timeout, out_of_memory, start_failed.',
    labelNames: ['function', 'version', 'class'],
    registers: [],
    collect() {
      this.reset()
      for (const series of store.all()) {
        ERROR_CLASSES.forEach((name, i) => this.inc({ ...seriesLabels(series.functionName, series.version), class: ERROR_CLASS_LABELS[name] }, series.totals[T.errors + i]!))
      }
    },
  }))
  register(new Counter({
    name: `${NAME}_cold_starts_total`,
    help: 'Invocations that waited for an instance to start.',
    labelNames: ['function', 'version'],
    registers: [],
    collect() {
      this.reset()
      for (const series of store.all()) this.inc(seriesLabels(series.functionName, series.version), series.totals[T.coldStarts]!)
    },
  }))
  registry.registerMetric(durationHistogram(store) as unknown as Metric)
  register(new Gauge({
    name: `${NAME}_concurrent_requests`,
    help: 'Requests in flight now.',
    labelNames: ['function', 'version'],
    registers: [],
    collect() {
      this.reset()
      for (const pool of sources.pools.activePools()) this.inc(seriesLabels(pool.options.name, pool.options.version), pool.stats().inflight)
    },
  }))
  register(new Gauge({
    name: `${NAME}_instances`,
    help: 'Instances running, starting or paused now.',
    labelNames: ['function', 'version'],
    registers: [],
    collect() {
      this.reset()
      for (const pool of sources.pools.activePools()) this.inc(seriesLabels(pool.options.name, pool.options.version), pool.stats().instances)
    },
  }))
  register(new Gauge({
    name: `${NAME}_paused_instances`,
    help: 'Of the instances, those paused now (idle.pauseAfter): frozen, their memory kept.',
    labelNames: ['function', 'version'],
    registers: [],
    collect() {
      this.reset()
      for (const pool of sources.pools.activePools()) this.inc(seriesLabels(pool.options.name, pool.options.version), pool.stats().paused)
    },
  }))
  register(new Gauge({
    name: `${NAME}_concurrency_peak`,
    help: 'The most requests in flight at once during the current and the previous minute.',
    labelNames: ['function', 'version'],
    registers: [],
    collect() {
      this.reset()
      sources.sample()
      for (const series of store.all()) this.set(seriesLabels(series.functionName, series.version), sources.recentPeak(series.functionName, series.version))
    },
  }))

  sources.gauges.onChange((gauge: FunctionGauge, added: boolean) => {
    const name = `${NAME}_${gauge.name}`
    if (!added) return registry.removeSingleMetric(name)
    register(new Gauge({
      name,
      help: gauge.help,
      labelNames: ['function'],
      registers: [],
      collect() {
        this.reset()
        for (const [fn, value] of gauge.read()) {
          if (Number.isFinite(value)) this.set({ function: fn }, value)
        }
      },
    }))
  })

  for (const metric of processMetrics(promClient)) register(metric)
  return { contentType: registry.contentType, text: () => registry.metrics() }
}

/**
 * The duration histogram, from each version's bucket counts kept in its totals (so it survives restarts
 * like the counters). prom-client's Histogram only counts observations itself, which would put it on the
 * gateway's hot path and lose it at each restart; this metric hands prom-client's registry the same
 * values a Histogram's `get()` gives (cumulative `_bucket` per `le`, `_sum`, `_count`), and the registry
 * writes the text format.
 */
function durationHistogram(store: MetricsStore) {
  const name = `${NAME}_duration_seconds`
  const help = 'Time from the request reaching the gateway to the end of the answer (waiting for a cold start included).'
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    reset() {},
    async get() {
      const values: Array<{ labels: Record<string, string | number>, value: number, metricName: string }> = []
      for (const series of store.all()) {
        const labels = { function: series.functionName, version: series.version }
        let cumulative = 0
        PROMETHEUS_BUCKETS.forEach((bound, i) => {
          cumulative += series.totals[T.buckets + i]!
          values.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${name}_bucket` })
        })
        const count = series.totals[T.invocations]!
        values.push({ labels: { ...labels, le: '+Inf' }, value: count, metricName: `${name}_bucket` })
        values.push({ labels, value: series.totals[T.durationSumMs]! / 1000, metricName: `${name}_sum` })
        values.push({ labels, value: count, metricName: `${name}_count` })
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values }
    },
  }
}
