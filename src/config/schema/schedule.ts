import type { Check, ConfigIssue } from './checks'
import { Cron } from 'croner'
import { anything, boolean, check, checkShape, isPlainObject, oneOf, string } from './checks'

/** What happens when a schedule's time comes while its previous run is still going. */
export const SCHEDULE_OVERLAPS = ['skip', 'allow', 'queue'] as const
export type ScheduleOverlap = typeof SCHEDULE_OVERLAPS[number]

/** A payload is a small JSON document, not a data transfer: it is stored with every version. */
export const MAX_SCHEDULE_PAYLOAD_BYTES = 16 * 1024
/** Per function, in `lambda.config.ts`; as many again may be added with `lambda schedule`. */
export const MAX_SCHEDULES_PER_FUNCTION = 20

export const CRON_EXAMPLE = '*/5 * * * *'
const CRON_FIX = `use 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, e.g. '${CRON_EXAMPLE}' (every 5 minutes) or '*/10 * * * * *' (every 10 seconds)`

/** A cron schedule that invokes a function. */
export interface ScheduleConfig {
  /** Cron expression, 5 fields or 6 with seconds first, e.g. `"0 6 * * *"` or `"*\/10 * * * * *"`. */
  cron: string
  /** IANA time zone the expression is read in, e.g. `"Europe/Berlin"`. Default: UTC. */
  timezone?: string
  /** JSON sent with each run: the request body (web handlers), or the event's `detail` (Lambda handlers). At most 16 KB. */
  payload?: unknown
  /** Set to `false` to keep the schedule defined but not firing. Default: true. */
  enabled?: boolean
  /** A run still going when the next is due: `skip` it (default), `allow` both, or `queue` it (at most one waits). */
  overlap?: ScheduleOverlap
  /** After the agent was down: run once for the times it missed. Default: false (missed runs are dropped). */
  catchUp?: boolean
}

export interface ResolvedSchedule {
  cron: string
  timezone: string
  payload?: unknown
  enabled: boolean
  overlap: ScheduleOverlap
  catchUp: boolean
}

/** What a user writes for `schedule`: one cron string or object, or a list of them. */
export type ScheduleInput = string | ScheduleConfig | Array<string | ScheduleConfig>

export interface ScheduleProblem {
  problem: string
  fix: string
}

/** Why `timezone` is not an IANA time zone this Node knows, or undefined. */
export function timezoneProblem(timezone: string): ScheduleProblem | undefined {
  try {
    Intl.DateTimeFormat('en', { timeZone: timezone }).resolvedOptions()
    return undefined
  }
  catch {
    return { problem: 'is not a known IANA time zone', fix: 'use a name such as \'UTC\', \'Europe/Berlin\' or \'America/New_York\'' }
  }
}

/** The one way expressions are read: croner, 5 or 6 fields (seconds first), in `timezone`. */
export const parseCron = (expression: string, timezone?: string) => new Cron(expression, { paused: true, timezone, mode: '5-or-6-parts' })

/** Why `expression` cannot schedule anything (in `timezone`), or undefined. */
export function cronProblem(expression: string, timezone?: string): ScheduleProblem | undefined {
  if (expression.trim() === '') return { problem: 'is empty', fix: CRON_FIX }
  let cron: Cron
  try {
    cron = parseCron(expression, timezone)
  }
  catch (error) {
    return { problem: `is not a valid cron expression (${(error as Error).message.replace(/^CronPattern:\s*/, '')})`, fix: CRON_FIX }
  }
  if (!cron.nextRun()) return { problem: 'never fires: no date matches it', fix: `check the day and month fields, e.g. '0 0 28 2 *' rather than '0 0 30 2 *'; or ${CRON_FIX}` }
  return undefined
}

/** Why `payload` cannot be sent with a schedule (not JSON, or too large), or undefined. */
export function payloadProblem(payload: unknown): ScheduleProblem | undefined {
  let json: string | undefined
  try {
    json = JSON.stringify(payload)
  }
  catch (error) {
    return { problem: `is not JSON (${(error as Error).message})`, fix: 'use plain objects, arrays, strings, numbers, booleans and null' }
  }
  if (json === undefined) return { problem: 'is not JSON', fix: 'use plain objects, arrays, strings, numbers, booleans and null' }
  const bytes = Buffer.byteLength(json)
  if (bytes > MAX_SCHEDULE_PAYLOAD_BYTES) return { problem: `is ${bytes} bytes as JSON; the limit is ${MAX_SCHEDULE_PAYLOAD_BYTES}`, fix: 'send a reference (an id, a URL) and let the function fetch the data' }
  return undefined
}

function validateCron(expression: unknown, timezone: unknown, path: string, issues: ConfigIssue[]) {
  if (typeof expression !== 'string') {
    issues.push({ path, value: expression, problem: 'must be a cron expression', fix: `set ${path} to a cron expression such as '${CRON_EXAMPLE}'` })
    return
  }
  const problem = cronProblem(expression, typeof timezone === 'string' ? timezone : undefined)
  if (problem) issues.push({ path, value: expression, ...problem })
}

const scheduleShape = { cron: anything, timezone: string('Europe/Berlin'), payload: anything, enabled: boolean, overlap: oneOf(SCHEDULE_OVERLAPS), catchUp: boolean }

function validateScheduleEntry(value: unknown, path: string, issues: ConfigIssue[]) {
  if (typeof value === 'string') return validateCron(value, undefined, path, issues)
  if (!isPlainObject(value)) {
    issues.push({ path, value, problem: 'must be a cron string or { cron, timezone?, payload?, enabled?, overlap?, catchUp? }', fix: `set ${path} to '0 * * * *' or { cron: '0 * * * *' }` })
    return
  }
  checkShape(value, path, scheduleShape, issues)
  if (value.payload !== undefined) {
    const problem = payloadProblem(value.payload)
    if (problem) issues.push({ path: `${path}.payload`, value: value.payload, ...problem })
  }
  if (typeof value.timezone === 'string') {
    const problem = timezoneProblem(value.timezone)
    if (problem) return void issues.push({ path: `${path}.timezone`, value: value.timezone, ...problem })
  }
  validateCron(value.cron, value.timezone, `${path}.cron`, issues)
}

export const schedule: Check<ScheduleInput> = check((value, path, issues) => {
  if (!Array.isArray(value)) return validateScheduleEntry(value, path, issues)
  if (value.length > MAX_SCHEDULES_PER_FUNCTION) {
    issues.push({ path, value: `${value.length} schedules`, problem: `has more than ${MAX_SCHEDULES_PER_FUNCTION} schedules`, fix: 'merge schedules into fewer cron expressions (lists like \'0 6,18 * * *\'), or split the function' })
    return
  }
  value.forEach((entry, i) => validateScheduleEntry(entry, `${path}[${i}]`, issues))
})

/** One schedule with every default spelled out. */
export function resolveSchedule(entry: string | ScheduleConfig): ResolvedSchedule {
  if (typeof entry === 'string') return { cron: entry, timezone: 'UTC', enabled: true, overlap: 'skip', catchUp: false }
  return {
    cron: entry.cron,
    timezone: entry.timezone ?? 'UTC',
    ...(entry.payload === undefined ? {} : { payload: entry.payload }),
    enabled: entry.enabled ?? true,
    overlap: entry.overlap ?? 'skip',
    catchUp: entry.catchUp ?? false,
  }
}

/** Every schedule as a list, each with its defaults spelled out. */
export function resolveSchedules(value: ScheduleInput): ResolvedSchedule[] {
  return (Array.isArray(value) ? value : [value]).map(resolveSchedule)
}
