import type { InvocationRecord } from '../../proxy/invoke'
import { errorClassOf, RETRIED_ERROR } from './error-classes'
import { VersionSeries } from './version-series'

export const minuteOf = (ms: number) => Math.floor(ms / 60_000)

/** Every function version's series, by function then version: two map lookups per invocation, no key strings built. */
export class MetricsStore {
  private readonly functions = new Map<string, Map<string, VersionSeries>>()

  constructor(readonly clock: () => number = Date.now) {}

  /**
   * Listens to `ctx.invocations`: on the gateway's hot path, so O(1) and allocation-free (but for the
   * first invocation of a version, and the first of each ten minutes).
   */
  readonly onInvocation = (record: InvocationRecord): void => {
    if (record.error === RETRIED_ERROR) return
    const now = this.clock()
    this.series(record.function, record.version).record(minuteOf(now), now, record.status, errorClassOf(record.status, record.error), record.durationMs, record.coldStart)
  }

  series(functionName: string, version: string): VersionSeries {
    let versions = this.functions.get(functionName)
    if (versions === undefined) {
      versions = new Map()
      this.functions.set(functionName, versions)
    }
    let series = versions.get(version)
    if (series === undefined) {
      series = new VersionSeries(functionName, version)
      versions.set(version, series)
    }
    return series
  }

  /** The series of a function's versions (none: an empty list). */
  versionsOf(functionName: string): VersionSeries[] {
    return [...this.functions.get(functionName)?.values() ?? []]
  }

  functionNames(): string[] {
    return [...this.functions.keys()]
  }

  * all(): Generator<VersionSeries> {
    for (const versions of this.functions.values()) yield* versions.values()
  }

  remove(series: VersionSeries): void {
    const versions = this.functions.get(series.functionName)
    if (versions?.get(series.version) !== series) return
    versions.delete(series.version)
    if (versions.size === 0) this.functions.delete(series.functionName)
  }
}
