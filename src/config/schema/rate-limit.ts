import type { Check } from './checks'
import { check, checkShape, isPlainObject, number } from './checks'

/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimitConfig {
  /** Requests a second the bucket refills with, e.g. 5 (0.01 is one every 100 s). */
  perSecond: number
  /** Requests allowed at once when the bucket is full. Default: `perSecond` rounded up (at least 1). */
  burst?: number
}

export type ResolvedRateLimit = Required<RateLimitConfig> | false

const perSecond = number({ min: 0.01, max: 1_000_000, unit: 'requests a second', example: 5 })
const burst = number({ min: 1, max: 1_000_000, integer: true, unit: 'requests', example: 10 })

/** `false` (the default) is no limit; an object is a limit that needs at least `perSecond`. */
export const rateLimitConfig: Check<RateLimitConfig | false> = check((value, path, issues) => {
  if (value === false) return
  if (!checkShape(value, path, { perSecond, burst }, issues)) return
  if (isPlainObject(value) && value.perSecond === undefined) {
    issues.push({ path: `${path}.perSecond`, value: undefined, problem: 'is missing', fix: `set ${path} to an object such as { perSecond: 5, burst: 10 }, or false for no limit` })
  }
})

export function resolveRateLimit(value: RateLimitConfig | false): ResolvedRateLimit {
  if (value === false) return false
  return { perSecond: value.perSecond, burst: value.burst ?? Math.max(1, Math.ceil(value.perSecond)) }
}
