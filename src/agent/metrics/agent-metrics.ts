import type { Storage } from 'unstorage'
import type { MetricsResponse, RecentActivity } from '../../api/admin-api'
import type { InvocationEvents } from '../invocation-events'
import type { ServingTable } from '../serving-table'
import type { FunctionGauge } from './function-gauges'
import type { PrometheusExport } from './prometheus'
import { LambdaError } from '../../errors'
import { FunctionGauges } from './function-gauges'
import { loadMetrics, removePages, removeSeries, saveMetrics } from './metrics-persistence'
import { MetricsStore, minuteOf } from './metrics-store'
import { createPrometheusExport } from './prometheus'
import { resolveSince } from './since'
import { recentActivity, summarizeFunction } from './summarize'

/** What metrics need of the serving table: the pools (in-flight peaks), and what is still deployed. */
export type ServingView = Pick<ServingTable, 'activePools' | 'names' | 'get' | 'version'>

export interface AgentMetricsOptions {
  /** False with `lambda agent --no-metrics`: nothing is counted, the routes answer 404 METRICS_DISABLED. */
  enabled: boolean
  storage: Storage
  serving: ServingView
  invocations: InvocationEvents
  /** How often what changed is saved; a kill -9 loses at most this much. */
  saveIntervalMs: number
  warn: (line: string) => void
  clock?: () => number
}

/** Pool peaks and gauges are sampled this often (and whenever metrics are read). */
const SAMPLE_INTERVAL_MS = 5000

/**
 * The agent's metrics: counted from `ctx.invocations` per function version into per-minute records
 * (24 h) and lifetime totals, saved to the store every `saveIntervalMs` and at a clean stop, read by
 * `lambda metrics`, `lambda list` and Prometheus. See docs/metrics.md.
 */
export class AgentMetrics {
  readonly enabled: boolean
  private readonly store: MetricsStore
  private readonly gauges = new FunctionGauges()
  private readonly options: AgentMetricsOptions
  private timers: NodeJS.Timeout[] = []
  private unsubscribe?: () => void
  private savedThrough: number
  private saving: Promise<void> = Promise.resolve()
  private prometheusExport?: Promise<PrometheusExport>
  private warnedSaveFailed = false

  private constructor(options: AgentMetricsOptions) {
    this.options = options
    this.enabled = options.enabled
    this.store = new MetricsStore(options.clock)
    this.savedThrough = minuteOf(this.store.clock())
  }

  /** Restores what an earlier run saved (nothing is counted until `start`). */
  static async open(options: AgentMetricsOptions): Promise<AgentMetrics> {
    const metrics = new AgentMetrics(options)
    if (metrics.enabled) await loadMetrics(options.storage, metrics.store, options.warn)
    return metrics
  }

  /** Starts counting invocations, sampling pools and gauges, and saving. */
  start(): void {
    if (!this.enabled || this.unsubscribe) return
    this.unsubscribe = this.options.invocations.on(this.store.onInvocation)
    this.timers = [
      setInterval(() => this.sample(), SAMPLE_INTERVAL_MS),
      setInterval(() => void this.maintain(), this.options.saveIntervalMs),
    ]
    for (const timer of this.timers) timer.unref()
  }

  /**
   * Lets another part of the agent publish a per-function value (e.g. the async queue's depth and dead
   * letters): see FunctionGauge. Returns a function that unregisters it.
   */
  registerGauge(gauge: FunctionGauge): () => void {
    return this.gauges.register(gauge)
  }

  /** `lambda metrics`: every deployed function (or one) over the window since `since` (`1h`, `15m`, an ISO time). */
  summarize(name: string | undefined, since = '1h'): MetricsResponse {
    this.assertEnabled()
    this.sample()
    const now = this.store.clock()
    const range = { from: minuteOf(resolveSince(since, now)), to: minuteOf(now) }
    const current = this.gauges.readAll()
    const names = name === undefined ? this.options.serving.names() : [name]
    return {
      since: new Date(range.from * 60_000).toISOString(),
      until: new Date(now).toISOString(),
      functions: names.map(fn => summarizeFunction(fn, this.store, this.gauges, range, current.get(fn))),
    }
  }

  /** Invocations and error rate of the last hour (`lambda list`); undefined when metrics are off. */
  recentActivity(name: string): RecentActivity | undefined {
    if (!this.enabled) return undefined
    const now = this.store.clock()
    return recentActivity(name, this.store, { from: minuteOf(now - 3_600_000), to: minuteOf(now) })
  }

  /** The Prometheus text format (prom-client is loaded on first use). */
  prometheus(): Promise<PrometheusExport> {
    this.assertEnabled()
    this.prometheusExport ??= createPrometheusExport({
      store: this.store,
      gauges: this.gauges,
      pools: this.options.serving,
      sample: () => this.sample(),
      recentPeak: (fn, version) => {
        const series = this.store.series(fn, version)
        const minute = minuteOf(this.store.clock())
        return Math.max(series.peakAt(minute), series.peakAt(minute - 1))
      },
    })
    return this.prometheusExport
  }

  /** Stops counting and saves (a clean stop keeps everything). */
  async close(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer)
    this.unsubscribe?.()
    this.unsubscribe = undefined
    // Saved only: by now the serving table may be closed, and every function would look deleted.
    if (this.enabled) await this.maintain(false)
  }

  /** The pools' in-flight peaks since the last sample go into the current minute; gauges are sampled. */
  private sample(): void {
    const minute = minuteOf(this.store.clock())
    for (const pool of this.options.serving.activePools()) {
      const peak = pool.takeInflightPeak()
      if (peak > 0) this.store.series(pool.options.name, pool.options.version).notePeak(minute, peak)
    }
    this.gauges.sample(minute)
  }

  /** What the save timer does, now: frees minutes older than 24 h, forgets deleted functions and pruned quiet versions, saves what changed. */
  flush(): Promise<void> {
    return this.maintain()
  }

  /** One at a time. */
  private maintain(prune = true): Promise<void> {
    this.saving = this.saving.then(() => this.maintainNow(prune))
    return this.saving
  }

  private async maintainNow(prune: boolean): Promise<void> {
    const { storage, serving } = this.options
    const minute = minuteOf(this.store.clock())
    const removals: Array<Promise<void>> = []
    for (const series of prune ? [...this.store.all()] : []) {
      const deployed = serving.get(series.functionName) !== undefined
      const expired = series.expire(minute)
      if (deployed && expired.length > 0) removals.push(removePages(storage, series, expired))
      if (!deployed || (!serving.version(series.functionName, Number(series.version)) && !series.hasPages())) {
        this.store.remove(series)
        removals.push(removeSeries(storage, series))
      }
    }
    if (prune) this.gauges.prune(minute, fn => serving.get(fn) !== undefined)
    const from = this.savedThrough
    this.savedThrough = minute
    const [removed, saved] = await Promise.all([
      Promise.all(removals).then(() => true, () => false),
      saveMetrics(storage, this.store, from),
    ])
    if (!saved) this.savedThrough = Math.min(this.savedThrough, from)
    if ((!removed || !saved) && !this.warnedSaveFailed) {
      this.warnedSaveFailed = true
      this.options.warn('Metrics could not be saved to the store; they are kept in memory and saved again at the next interval.')
    }
  }

  private assertEnabled(): void {
    if (this.enabled) return
    throw new LambdaError({ code: 'METRICS_DISABLED', status: 404, message: 'This agent runs with --no-metrics: it counts no invocations.', hint: 'Restart the agent without --no-metrics to collect metrics.' })
  }
}
