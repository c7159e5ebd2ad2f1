import type { ScheduleFields } from '../../api/admin-api'
import type { ResolvedSchedule } from '../../config/schema/schedule'
import type { CliScheduleRecord } from '../../store/records'
import { stableJSON } from '../../build/hash'
import { resolveSchedule } from '../../config/schema/schedule'
import { configScheduleId } from './schedule-ids'

/** One schedule as the scheduler runs it: its fields, and whether the config enables it. */
export interface ScheduleDefinition extends ScheduleFields {
  /** `enabled: false` in the config. (A pause is the agent's state, not part of the definition.) */
  enabled: boolean
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
