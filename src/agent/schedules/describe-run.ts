import type { ScheduleRunRecord } from '../../store/records'

const TRIGGERS: Record<ScheduleRunRecord['trigger'], string> = { 'schedule': 'schedule', 'manual': 'schedule (run now)', 'catch-up': 'schedule (catch-up)' }

/** One log line per run, for the agent's log and `lambda dev`'s (after the function's prefix). */
export function describeRun(run: ScheduleRunRecord): string {
  const what = `${TRIGGERS[run.trigger]} ${run.schedule} due ${run.scheduledAt}`
  if (run.outcome === 'skipped') return `${what}: skipped, ${run.reason}`
  const status = run.status === undefined ? '' : ` ${run.status}`
  const timing = `${run.durationMs === undefined ? '' : ` in ${run.durationMs}ms`}${run.latenessMs === undefined ? '' : `, started ${run.latenessMs}ms late`}`
  const error = run.error && run.outcome !== 'ok' ? `: ${run.error.message}` : ''
  return `${what}: ${run.outcome}${status}${timing}${error}`
}
