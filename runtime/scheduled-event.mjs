/**
 * Set only by the agent and `lambda dev` (the gateway drops a client's own copies): what called the
 * function when no client did. Mirrors src/proxy/trigger-headers.ts, which the runtime cannot import.
 */
export const TRIGGER_HEADER = 'x-lambda-trigger'
export const SCHEDULE_ID_HEADER = 'x-lambda-schedule-id'
export const SCHEDULED_TIME_HEADER = 'x-lambda-scheduled-time'

/** Where Mini Lambda's ARNs say a function lives (as `context.invokedFunctionArn`). */
const REGION = 'local'
const ACCOUNT = '000000000000'

/**
 * The EventBridge "Scheduled Event" a Lambda handler gets from a schedule, exactly as on AWS: the
 * rule's ARN names the schedule, `time` is when it was due (whole seconds, as EventBridge writes
 * it), `detail` is the payload (`{}` without one). Undefined for any other request.
 * @param {Pick<import('./types').Exchange, 'header'>} exchange
 * @param {Buffer} body
 * @param {import('./types').InvocationContext} context
 * @returns {Record<string, unknown> | undefined}
 */
export function toScheduledEvent(exchange, body, context) {
  if (exchange.header(TRIGGER_HEADER) !== 'schedule') return undefined
  const scheduleId = String(exchange.header(SCHEDULE_ID_HEADER) ?? 'schedule')
  const due = new Date(String(exchange.header(SCHEDULED_TIME_HEADER) ?? ''))
  /** @type {unknown} */
  let detail = {}
  try {
    if (body.length > 0) detail = JSON.parse(body.toString('utf8')) ?? {}
  }
  catch {
    detail = {}
  }
  return {
    'version': '0',
    'id': context.requestId,
    'detail-type': 'Scheduled Event',
    'source': 'aws.events',
    'account': ACCOUNT,
    'time': (Number.isNaN(due.getTime()) ? new Date() : due).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'region': REGION,
    'resources': [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${scheduleId}`],
    'detail': detail,
  }
}
