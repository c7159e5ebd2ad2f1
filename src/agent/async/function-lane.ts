import type { VersionRecord } from '../../store/records'
import type { InvocationRecord } from './invocation-record'

/**
 * The accepted calls of one function: waiting in order, running, or waiting for a retry. Its workers
 * take at most half of the function's capacity (concurrency × maxInstances, at least one call), so
 * synchronous requests always have the other half.
 */
export class FunctionLane {
  readonly waiting: InvocationRecord[] = []
  running = 0
  /** Waiting for their retry's backoff. */
  delayed = 0
  /** Being accepted: counted against the limit before their body is read. */
  reserved = 0
  /** Recent attempt durations, for Retry-After. */
  averageMs = 1000

  constructor(readonly name: string) {}

  get pending(): number {
    return this.waiting.length + this.running + this.delayed + this.reserved
  }

  static workers(version: VersionRecord | undefined): number {
    if (!version) return 1
    const { concurrency, maxInstances } = version.config
    return Math.max(1, Math.floor((concurrency * maxInstances) / 2))
  }

  recordDuration(ms: number) {
    this.averageMs = this.averageMs * 0.8 + ms * 0.2
  }

  /** Seconds until the queue has likely made room: its backlog at the recent pace, from 1 to 60. */
  retryAfterSeconds(workers: number): number {
    return Math.min(60, Math.max(1, Math.ceil((this.pending * this.averageMs) / workers / 1000)))
  }
}
