import type { ScheduleProblem } from '../../config/schema/schedule'
import { cronProblem, payloadProblem, timezoneProblem } from '../../config/schema/schedule'
import { LambdaError } from '../../errors'

/** How the caller named each value: body fields for the API, flags for the CLI. */
export interface ScheduleInputLabels {
  cron: string
  timezone: string
  payload: string
}

export const API_FIELD_LABELS: ScheduleInputLabels = { cron: 'Field "cron"', timezone: 'Field "timezone"', payload: 'Field "payload"' }

function invalid(code: string, label: string, value: string, issue: ScheduleProblem, field: string): LambdaError {
  const quoted = value.length > 100 ? `${JSON.stringify(value.slice(0, 100))}…` : JSON.stringify(value)
  return new LambdaError({ code, status: 400, message: `${label} ${quoted} ${issue.problem}.`, hint: `Fix: ${issue.fix}.`, data: { field } })
}

/**
 * The checks of lambda.config.ts for one schedule given on its own (`lambda schedule`, `POST
 * /schedules`): the time zone first (the expression is read in it), then the expression, then the
 * payload. Each failure names the value, the reason and a valid example.
 */
export function checkScheduleInput(input: { cron: string, timezone: string, payload?: unknown }, labels: ScheduleInputLabels = API_FIELD_LABELS): void {
  const zone = timezoneProblem(input.timezone)
  if (zone) throw invalid('INVALID_TIMEZONE', labels.timezone, input.timezone, zone, 'timezone')
  const cron = cronProblem(input.cron, input.timezone)
  if (cron) throw invalid('INVALID_CRON', labels.cron, input.cron, cron, 'cron')
  const payload = input.payload === undefined ? undefined : payloadProblem(input.payload)
  if (payload) throw new LambdaError({ code: 'INVALID_PAYLOAD', status: 400, message: `${labels.payload} ${payload.problem}.`, hint: `Fix: ${payload.fix}.`, data: { field: 'payload' } })
}
