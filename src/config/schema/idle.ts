import type { Check, ConfigIssue } from './checks'
import { check, checkShape, isPlainObject } from './checks'

/**
 * What happens to an instance nobody calls: after `pauseAfter` it is paused (frozen in memory, it
 * resumes in milliseconds), after `stopAfter` it is stopped (memory freed; the next call is a cold start).
 */
export interface IdleConfig {
  /** Idle time before an instance is paused: seconds, or a duration such as `'10s'`, `'500ms'`; `false` never pauses. Default: 10 seconds. */
  pauseAfter?: Duration | false
  /** Idle time before an instance is stopped: seconds, or a duration such as `'5m'`; `false` never stops it. Default: the agent's `--idle-timeout` (300 s). */
  stopAfter?: Duration | false
}

/** Seconds, or a number with a unit: `'250ms'`, `'10s'`, `'5m'`, `'1h'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h'}`

/** Durations in seconds; `stopAfter` left out means the agent's `--idle-timeout`. */
export interface ResolvedIdleConfig {
  pauseAfter: number | false
  stopAfter?: number | false
}

export const IDLE_DEFAULTS: ResolvedIdleConfig = { pauseAfter: 10 }

const MIN_SECONDS = 0.1
/** A week, like `--idle-timeout`. */
const MAX_SECONDS = 604_800
const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600 } as const
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|[smh])$/

/** Seconds a duration stands for, or undefined when it is not one. */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value !== 'string') return undefined
  const match = DURATION_RE.exec(value.trim())
  return match ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] : undefined
}

const durationOrOff = (example: string): Check<Duration | false> => check((value, path, issues) => {
  if (value === false) return
  const seconds = durationSeconds(value)
  if (seconds === undefined || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    issues.push({
      path,
      value,
      problem: `must be a duration from ${MIN_SECONDS} s to 7 days (seconds as a number, or a string such as '${example}'), or false`,
      fix: `set ${path} to a value such as ${example === '10s' ? 10 : `'${example}'`}, or false to turn it off`,
    })
  }
})

export const idleConfig: Check<IdleConfig> = check((value, path, issues) => {
  if (!checkShape(value, path, { pauseAfter: durationOrOff('10s'), stopAfter: durationOrOff('5m') }, issues)) return
  checkIdleOrder(value as IdleConfig, path, issues)
})

/** A pause after the stop would never happen: that is a mistake worth naming, not a silent no-op. */
export function checkIdleOrder(value: IdleConfig, path: string, issues: ConfigIssue[]): void {
  if (!isPlainObject(value)) return
  const pause = durationSeconds(value.pauseAfter)
  const stop = durationSeconds(value.stopAfter)
  if (pause !== undefined && stop !== undefined && pause >= stop) {
    issues.push({
      path: `${path}.pauseAfter`,
      value: value.pauseAfter,
      problem: `is not shorter than stopAfter (${String(value.stopAfter)}): the instance would be stopped before it is paused`,
      fix: 'make pauseAfter shorter than stopAfter, or set pauseAfter to false to stop idle instances without pausing them',
    })
  }
}

/**
 * Durations as seconds (so `'1m'` and `60` are one setting, with one content hash). The default pause
 * gives way to a shorter `stopAfter`: a user who only asked for a quick stop gets exactly that.
 */
export function resolveIdleConfig(value: IdleConfig): ResolvedIdleConfig {
  const seconds = (duration: Duration | false) => duration === false ? false : durationSeconds(duration)!
  const stopAfter = value.stopAfter === undefined ? undefined : seconds(value.stopAfter)
  let pauseAfter = value.pauseAfter === undefined ? IDLE_DEFAULTS.pauseAfter : seconds(value.pauseAfter)
  if (value.pauseAfter === undefined && typeof stopAfter === 'number' && typeof pauseAfter === 'number' && pauseAfter >= stopAfter) pauseAfter = false
  return { pauseAfter, ...(stopAfter === undefined ? {} : { stopAfter }) }
}
