import type { Check, ConfigIssue } from './checks'
import { Cron } from 'croner'
import { anything, boolean, check, checkShape, isPlainObject, string } from './checks'

/** A cron schedule that invokes a function. */
export interface ScheduleConfig {
  /** Cron expression (5 or 6 fields), e.g. `"*\/5 * * * *"`. */
  cron: string
  /** IANA time zone, e.g. `"Europe/Berlin"`. Default: UTC. */
  timezone?: string
  /** JSON sent as the request body of each scheduled invocation. */
  payload?: unknown
  /** Set to `false` to keep the schedule defined but paused. */
  enabled?: boolean
}

export interface ResolvedSchedule {
  cron: string
  timezone: string
  payload?: unknown
  enabled: boolean
}

/** What a user writes for `schedule`: one cron string or object, or a list of them. */
export type ScheduleInput = string | ScheduleConfig | Array<string | ScheduleConfig>

function validateCron(expression: unknown, timezone: unknown, path: string, issues: ConfigIssue[]) {
  if (typeof expression !== 'string' || expression.trim() === '') {
    issues.push({ path, value: expression, problem: 'must be a cron expression', fix: `set ${path} to a cron expression such as '*/5 * * * *'` })
    return
  }
  try {
    new Cron(expression, { paused: true, timezone: typeof timezone === 'string' ? timezone : undefined }).stop()
  }
  catch (error) {
    issues.push({ path, value: expression, problem: `is not a valid cron expression (${(error as Error).message})`, fix: 'use 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. \'0 */2 * * *\'' })
  }
}

function validateScheduleEntry(value: unknown, path: string, issues: ConfigIssue[]) {
  if (typeof value === 'string') return validateCron(value, undefined, path, issues)
  if (!isPlainObject(value)) {
    issues.push({ path, value, problem: 'must be a cron string or { cron, timezone?, payload?, enabled? }', fix: `set ${path} to '0 * * * *' or { cron: '0 * * * *' }` })
    return
  }
  checkShape(value, path, { cron: anything, timezone: string('Europe/Berlin'), payload: anything, enabled: boolean }, issues)
  if (typeof value.timezone === 'string') {
    try {
      Intl.DateTimeFormat('en', { timeZone: value.timezone }).resolvedOptions()
    }
    catch {
      issues.push({ path: `${path}.timezone`, value: value.timezone, problem: 'is not a known IANA time zone', fix: 'use a name such as \'UTC\' or \'Europe/Berlin\'' })
      return
    }
  }
  validateCron(value.cron, value.timezone, `${path}.cron`, issues)
}

export const schedule: Check<ScheduleInput> = check((value, path, issues) => {
  if (Array.isArray(value)) value.forEach((entry, i) => validateScheduleEntry(entry, `${path}[${i}]`, issues))
  else validateScheduleEntry(value, path, issues)
})

/** Every schedule as a list, each with its time zone and `enabled` spelled out. */
export function resolveSchedules(value: ScheduleInput): ResolvedSchedule[] {
  return (Array.isArray(value) ? value : [value]).map(entry =>
    typeof entry === 'string'
      ? { cron: entry, timezone: 'UTC', enabled: true }
      : { cron: entry.cron, timezone: entry.timezone ?? 'UTC', payload: entry.payload, enabled: entry.enabled ?? true })
}
