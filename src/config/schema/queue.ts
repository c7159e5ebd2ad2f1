import type { Check } from './checks'
import type { Duration } from './idle'
import { check, checkShape, number } from './checks'
import { durationSeconds } from './idle'

/**
 * How many requests may wait for a free instance, and for how long, before more are turned away at
 * once with 429 and a Retry-After (docs/config.md, "Overload"). Sync HTTP calls only: asynchronous
 * calls and schedule runs wait their turn.
 */
export interface QueueConfig {
  /** Requests that may wait at once (1–100000). Default: 10 per slot (10 × concurrency × maxInstances). */
  maxWaiting?: number
  /** Longest wait a request is queued with, from the measured drain rate: seconds, or a duration such as `'500ms'`. Default: half the timeout. */
  maxWait?: Duration
}

/** `maxWait` in seconds; what is left out follows from concurrency, maxInstances and timeout. */
export interface ResolvedQueueConfig {
  maxWaiting?: number
  maxWait?: number
}

const maxWait: Check<Duration> = check((value, path, issues) => {
  const seconds = durationSeconds(value)
  if (seconds === undefined || seconds < 0 || seconds > 900) {
    issues.push({ path, value, problem: 'must be a duration from 0 to 900 s (seconds as a number, or a string such as \'500ms\')', fix: `set ${path} to a value such as 2, or leave it out for half the timeout` })
  }
})

export const queueConfig: Check<QueueConfig> = (value, path, issues): value is QueueConfig => checkShape(value, path, {
  maxWaiting: number({ min: 1, max: 100_000, integer: true, unit: 'requests', example: 100 }),
  maxWait,
}, issues)

export const resolveQueueConfig = (value: QueueConfig): ResolvedQueueConfig => ({
  ...(value.maxWaiting === undefined ? {} : { maxWaiting: value.maxWaiting }),
  ...(value.maxWait === undefined ? {} : { maxWait: durationSeconds(value.maxWait)! }),
})
