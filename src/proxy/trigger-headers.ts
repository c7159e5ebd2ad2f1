/**
 * Headers that tell a function what called it when no client did (a schedule). Only the agent and
 * `lambda dev` set them: the gateway drops a client's own copies (headers.ts), so a function can
 * trust them, and the runtime builds a Lambda handler's EventBridge event from them.
 */
export const TRIGGER_HEADER = 'x-lambda-trigger'
export const SCHEDULE_ID_HEADER = 'x-lambda-schedule-id'
export const SCHEDULED_TIME_HEADER = 'x-lambda-scheduled-time'

export const TRIGGER_HEADERS = [TRIGGER_HEADER, SCHEDULE_ID_HEADER, SCHEDULED_TIME_HEADER] as const
