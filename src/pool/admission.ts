/**
 * How long a request arriving now would wait for a slot, from the queue's measured drain rate: the
 * slots drain one request per (mean time a slot is held / slots) ms. Knative's queue-proxy bounds its
 * queue by a fixed depth only; a depth alone cannot tell 40 requests of 10 ms (fine) from 40 of 5 s
 * (most of them would time out), so the pool bounds both the depth and the expected wait.
 */
export class DrainRate {
  /** Exponentially weighted mean of how long a request held its slot, ms; undefined before the first. */
  private meanHoldMs: number | undefined

  /** Each new hold weighs this much: the estimate follows a change of load within ~20 requests. */
  private static readonly WEIGHT = 0.1

  noteHold(ms: number): void {
    this.meanHoldMs = this.meanHoldMs === undefined ? ms : this.meanHoldMs + DrainRate.WEIGHT * (ms - this.meanHoldMs)
  }

  /** Ms until `ahead` requests queued ahead of one have left, with `slots` slots draining them; undefined before any measure. */
  waitMs(ahead: number, slots: number): number | undefined {
    if (this.meanHoldMs === undefined) return undefined
    return ((ahead + 1) * this.meanHoldMs) / Math.max(1, slots)
  }

  /** Requests the slots finish per second, for metrics and error messages; undefined before any measure. */
  perSecond(slots: number): number | undefined {
    return this.meanHoldMs === undefined ? undefined : (slots * 1000) / Math.max(1, this.meanHoldMs)
  }
}

export interface QueueLimits {
  /** Requests that may wait at once. */
  maxWaiting: number
  /** Longest wait (ms) a request is admitted with. */
  maxWaitMs: number
}

/** Knative's queue-proxy keeps 10 requests per slot of the container; so does the pool by default. */
export const WAITING_PER_SLOT = 10

/**
 * The queue's bounds for a function: what `queue` in lambda.config.ts says, else 10 waiting per slot
 * (concurrency × maxInstances) and half the timeout, which leaves the other half to the handler.
 */
export function queueLimits(opts: { concurrency: number, maxInstances: number, timeoutMs: number, maxWaiting?: number, maxWaitMs?: number }): QueueLimits {
  return {
    maxWaiting: opts.maxWaiting ?? Math.min(100_000, WAITING_PER_SLOT * opts.concurrency * opts.maxInstances),
    maxWaitMs: Math.min(opts.maxWaitMs ?? opts.timeoutMs / 2, opts.timeoutMs),
  }
}
