import type { ScheduleListing, ScheduleRun } from '../api/admin-api'
import { printTable } from './commands/_table'

/** `2026-11-30T09:10:00Z`: whole seconds are what schedules deal in. */
export const shortTime = (iso: string) => iso.replace(/\.000Z$/, 'Z')

const lastRunText = (run: ScheduleRun | undefined) => run ? `${run.outcome}${run.status === undefined ? '' : ` ${run.status}`} ${shortTime(run.scheduledAt)}` : '-'

/** ID, function, source, expression, time zone, overlap, state, last run and the next three times. */
export function printSchedules(schedules: ScheduleListing[]): void {
  printTable([
    ['ID', 'FUNCTION', 'SOURCE', 'CRON', 'TIMEZONE', 'OVERLAP', 'STATE', 'LAST RUN', 'NEXT RUNS'],
    ...schedules.map(s => [s.id, s.function, s.source, s.cron, s.timezone, s.overlap, s.state + (s.running > 0 ? ` (${s.running} running)` : ''), lastRunText(s.lastRun), s.nextRuns.map(shortTime).join(', ') || '-']),
  ])
}

const ms = (value: number | undefined) => value === undefined ? '-' : `${value}ms`

/** One line per run, newest first. */
export function printRuns(runs: ScheduleRun[]): void {
  printTable([
    ['SCHEDULED', 'TRIGGER', 'OUTCOME', 'STATUS', 'DURATION', 'LATE', 'VERSION', 'DETAIL'],
    ...runs.map(r => [shortTime(r.scheduledAt), r.trigger, r.outcome, r.status === undefined ? '-' : String(r.status), ms(r.durationMs), ms(r.latenessMs), r.version === undefined ? '-' : `v${r.version}`, (r.error?.message ?? r.reason ?? '').replace(/\s+/g, ' ').slice(0, 100)]),
  ])
}

/** "ok 200 in 12ms" / "skipped: the previous run was still going". */
export function describeOutcome(run: ScheduleRun): string {
  if (run.outcome === 'skipped') return `skipped: ${run.reason}`
  return `${run.outcome}${run.status === undefined ? '' : ` ${run.status}`}${run.durationMs === undefined ? '' : ` in ${run.durationMs}ms`}${run.error ? ` (${run.error.message})` : ''}`
}
