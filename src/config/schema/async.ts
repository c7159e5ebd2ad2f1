import type { Check } from './checks'
import { checkShape, number } from './checks'

/** How the agent treats accepted asynchronous calls of a function (`X-Lambda-Invocation-Type: Event`). */
export interface AsyncConfig {
  /** Attempts after the first one when the function answers 5xx or 429, crashes or times out (0–10). Default: 2. */
  retries?: number
  /** Seconds after its acceptance a call may still be started or retried (1–21600); older ones fail as expired. Default: 21600 (6 hours). */
  maxAgeSeconds?: number
}

export interface ResolvedAsyncConfig {
  retries: number
  maxAgeSeconds: number
}

/** AWS Lambda's defaults for asynchronous invocation: two retries, six hours. */
export const ASYNC_DEFAULTS: ResolvedAsyncConfig = { retries: 2, maxAgeSeconds: 21600 }

export const asyncConfig: Check<AsyncConfig> = (value, path, issues): value is AsyncConfig => checkShape(value, path, {
  retries: number({ min: 0, max: 10, integer: true, unit: 'retries', example: 2 }),
  maxAgeSeconds: number({ min: 1, max: 21600, integer: true, unit: 'seconds', example: 3600 }),
}, issues)

export const resolveAsyncConfig = (value: AsyncConfig): ResolvedAsyncConfig => ({
  retries: value.retries ?? ASYNC_DEFAULTS.retries,
  maxAgeSeconds: value.maxAgeSeconds ?? ASYNC_DEFAULTS.maxAgeSeconds,
})
