import type { ResolvedSchedule, ScheduleOverlap } from '../../config/schema/schedule'
import type { CliScheduleRecord } from '../../store/records'
import { stableJSON } from '../../build/hash'
import { resolveSchedule } from '../../config/schema/schedule'
import { configScheduleId } from './schedule-ids'

/** One schedule, wherever it comes from: what fires, when, with what, and how runs may overlap. */
export interface ScheduleDefinition {
  id: string
  function: string
  /** `config`: from the function's current version (lambda.config.ts); `cli`: added with `lambda schedule`. */
  source: 'config' | 'cli'
  cron: string
  timezone: string
  payload?: unknown
  overlap: ScheduleOverlap
  catchUp: boolean
  /** `enabled: false` in the config. (A pause is the agent's state, not part of the definition.) */
  enabled: boolean
  /** Config: the version whose config defines it. */
  version?: number
  /** CLI: when it was added. */
  createdAt?: string
}

/**
 * The schedules a function's config defines, with their ids. Configs stored by older agents lack
 * `overlap` and `catchUp`: the defaults fill them in.
 */
export function configSchedules(fn: string, schedules: ReadonlyArray<Partial<ResolvedSchedule>> | undefined, version?: number): ScheduleDefinition[] {
  const seen = new Map<string, number>()
  return (schedules ?? []).filter(entry => typeof entry?.cron === 'string').map((entry) => {
    const schedule = resolveSchedule(entry as ResolvedSchedule)
    const identity = stableJSON([schedule.cron, schedule.timezone, schedule.payload])
    const occurrence = seen.get(identity) ?? 0
    seen.set(identity, occurrence + 1)
    return { id: configScheduleId(fn, schedule, occurrence), function: fn, source: 'config' as const, ...schedule, version }
  })
}

export function cliSchedule(record: CliScheduleRecord): ScheduleDefinition {
  return { id: record.id, function: record.function, source: 'cli', cron: record.cron, timezone: record.timezone, payload: record.payload, overlap: record.overlap, catchUp: record.catchUp, enabled: true, createdAt: record.createdAt }
}
