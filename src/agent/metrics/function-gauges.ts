import { MINUTES_KEPT } from './layout'
import { oldestKept } from './version-series'

/**
 * A value some part of the agent knows per function and metrics only read, e.g. the async queue's
 * depth or its dead letters. Register it with `ctx.metrics.registerGauge(…)`; it then appears in
 * `/_lambda/metrics` as `mini_lambda_<name>{function}`, in `lambda metrics --json` under `gauges`,
 * and, sampled every 5 s, as a per-minute maximum in the series.
 */
export interface FunctionGauge {
  /** Snake case, without the `mini_lambda_` prefix: `async_queue_depth`. */
  name: string
  /** One line for Prometheus' HELP. */
  help: string
  /** The current value of each function that has one; called at every scrape and sample, so keep it cheap. */
  read: () => Iterable<readonly [functionName: string, value: number]>
}

const GAUGE_NAME_RE = /^[a-z][a-z0-9_]*$/

/** Per-minute maxima of one gauge of one function: a ring of (minute, value) over 24 h. */
class GaugeRing {
  private readonly minutes = new Float64Array(MINUTES_KEPT).fill(-1)
  private readonly values = new Float64Array(MINUTES_KEPT)

  note(minute: number, value: number): void {
    const slot = minute % MINUTES_KEPT
    if (this.minutes[slot] !== minute) {
      this.minutes[slot] = minute
      this.values[slot] = value
    }
    else if (value > this.values[slot]!) {
      this.values[slot] = value
    }
  }

  at(minute: number): number | undefined {
    const slot = minute % MINUTES_KEPT
    return this.minutes[slot] === minute ? this.values[slot] : undefined
  }

  isStale(minute: number): boolean {
    const oldest = oldestKept(minute)
    return this.minutes.every(m => m < oldest)
  }
}

/** The registered gauges, and their samples (in memory only: a restart asks the gauges afresh). */
export class FunctionGauges {
  private readonly gauges = new Map<string, FunctionGauge>()
  /** function → gauge name → ring; made on a function's first non-zero sample. */
  private readonly rings = new Map<string, Map<string, GaugeRing>>()
  private readonly listeners = new Set<(gauge: FunctionGauge, added: boolean) => void>()

  register(gauge: FunctionGauge): () => void {
    if (!GAUGE_NAME_RE.test(gauge.name)) throw new TypeError(`Gauge name "${gauge.name}" must be snake case (a-z, 0-9, _), e.g. async_queue_depth.`)
    if (this.gauges.has(gauge.name)) throw new TypeError(`A gauge named "${gauge.name}" is registered already.`)
    this.gauges.set(gauge.name, gauge)
    for (const listener of this.listeners) listener(gauge, true)
    return () => {
      if (this.gauges.get(gauge.name) !== gauge) return
      this.gauges.delete(gauge.name)
      for (const rings of this.rings.values()) rings.delete(gauge.name)
      for (const listener of this.listeners) listener(gauge, false)
    }
  }

  /** Told when a gauge is added or removed (the Prometheus registry follows). */
  onChange(listener: (gauge: FunctionGauge, added: boolean) => void): void {
    this.listeners.add(listener)
    for (const gauge of this.gauges.values()) listener(gauge, true)
  }

  /** Reads every gauge now: function → gauge → value. A gauge that throws is skipped. */
  readAll(): Map<string, Map<string, number>> {
    const now = new Map<string, Map<string, number>>()
    for (const gauge of this.gauges.values()) {
      let values: Iterable<readonly [string, number]>
      try {
        values = [...gauge.read()]
      }
      catch {
        continue
      }
      for (const [fn, value] of values) {
        if (!Number.isFinite(value)) continue
        let byGauge = now.get(fn)
        if (!byGauge) now.set(fn, byGauge = new Map())
        byGauge.set(gauge.name, value)
      }
    }
    return now
  }

  /** Samples every gauge into the minute's maximum. */
  sample(minute: number): void {
    for (const [fn, byGauge] of this.readAll()) {
      for (const [name, value] of byGauge) {
        let rings = this.rings.get(fn)
        if (!rings && value === 0) continue
        if (!rings) this.rings.set(fn, rings = new Map())
        let ring = rings.get(name)
        if (!ring && value === 0) continue
        if (!ring) rings.set(name, ring = new GaugeRing())
        ring.note(minute, value)
      }
    }
  }

  /** Gauge name → largest sample in the minute, for the minutes a function has samples of. */
  minute(fn: string, minute: number): Record<string, number> | undefined {
    const rings = this.rings.get(fn)
    if (!rings) return undefined
    let found: Record<string, number> | undefined
    for (const [name, ring] of rings) {
      const value = ring.at(minute)
      if (value !== undefined) (found ??= {})[name] = value
    }
    return found
  }

  names(): string[] {
    return [...this.gauges.keys()]
  }

  /** Drops the samples of functions that are gone, and rings with nothing in the last 24 h. */
  prune(minute: number, keep: (fn: string) => boolean): void {
    for (const [fn, rings] of this.rings) {
      if (!keep(fn)) {
        this.rings.delete(fn)
        continue
      }
      for (const [name, ring] of rings) {
        if (ring.isStale(minute)) rings.delete(name)
      }
      if (rings.size === 0) this.rings.delete(fn)
    }
  }
}
