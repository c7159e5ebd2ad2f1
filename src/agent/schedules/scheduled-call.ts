import type { FunctionCall, FunctionCallResult } from '../../proxy/call-function'
import type { ScheduleRunRecord } from '../../store/records'
import type { DueRun } from './schedule-runner'
import { SCHEDULE_ID_HEADER, SCHEDULED_TIME_HEADER, TRIGGER_HEADER } from '../../proxy/trigger-headers'

/** Enough of a failed answer to say what went wrong in the history, not a copy of it. */
const ERROR_EXCERPT_CHARS = 300

/**
 * The request a run makes: `POST /` with the payload as JSON (`{}` without one) and the trigger
 * headers. A web handler sees exactly this; the runtime turns it into an EventBridge "Scheduled
 * Event" for a Lambda handler.
 */
export function scheduledCall(run: DueRun, host: string): FunctionCall {
  const { definition } = run
  return {
    method: 'POST',
    path: '/',
    headers: {
      'host': host,
      'content-type': 'application/json',
      'user-agent': 'mini-lambda-scheduler',
      [TRIGGER_HEADER]: 'schedule',
      [SCHEDULE_ID_HEADER]: definition.id,
      [SCHEDULED_TIME_HEADER]: run.scheduledAt.toISOString(),
    },
    body: Buffer.from(JSON.stringify(definition.payload === undefined ? {} : definition.payload)),
    requestId: run.id,
  }
}

/** What a run that got no call at all (no such function, a failed build) records. */
export function failedRun(run: DueRun, startedAt: Date, error: { code: string, message: string }): ScheduleRunRecord {
  const endedAt = new Date()
  return {
    ...runBase(run, startedAt),
    endedAt: endedAt.toISOString(),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    outcome: 'error',
    reason: error.code,
    error,
  }
}

/** A run's record from the function's answer: ok for 1xx–3xx, timeout, or error (a crash, a 4xx or 5xx). */
export function completedRun(run: DueRun, startedAt: Date, result: FunctionCallResult, version?: number): ScheduleRunRecord {
  const outcome = result.error?.code === 'FUNCTION_TIMEOUT' ? 'timeout' : result.error || result.status >= 400 ? 'error' : 'ok'
  const error = result.error
    ? { code: result.error.code, message: result.error.message }
    : result.status >= 400 ? { code: 'FUNCTION_ERROR_STATUS', message: `answered ${result.status}: ${result.body.toString('utf8', 0, ERROR_EXCERPT_CHARS)}` } : undefined
  return {
    ...runBase(run, startedAt),
    // Read from the same clock as startedAt, when the answer is in: a run queued behind this one starts
    // after it on the record too (startedAt plus the call's own duration can land a ms past that).
    endedAt: new Date(Math.max(Date.now(), startedAt.getTime())).toISOString(),
    durationMs: Math.round(result.durationMs * 10) / 10,
    status: result.status,
    outcome,
    ...(version === undefined ? {} : { version }),
    ...(error ? { reason: error.code, error } : {}),
  }
}

function runBase(run: DueRun, startedAt: Date) {
  return {
    id: run.id,
    schedule: run.definition.id,
    function: run.definition.function,
    trigger: run.trigger,
    scheduledAt: run.scheduledAt.toISOString(),
    startedAt: startedAt.toISOString(),
    latenessMs: Math.max(0, startedAt.getTime() - run.scheduledAt.getTime()),
  }
}
