import { randomUUID } from 'node:crypto'

/** Per-invocation facts the caller passes in headers; stripped before the function sees the request. */
export const REQUEST_ID_HEADER = 'x-lambda-request-id'
export const DEADLINE_HEADER = 'x-lambda-deadline'

export function createInvocationContext(req, settings) {
  const requestId = req.headers[REQUEST_ID_HEADER] || req.headers['x-request-id'] || randomUUID()
  const deadline = Number(req.headers[DEADLINE_HEADER]) || Date.now() + settings.timeoutMs
  const pending = []
  return {
    requestId,
    functionName: settings.functionName,
    version: settings.version,
    memoryLimitInMB: settings.memory,
    deadline,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    /** Keeps work going after the response, e.g. flushing metrics; failures are logged. */
    waitUntil(promise) {
      pending.push(Promise.resolve(promise).catch(error => console.error('[runtime] waitUntil task failed:', error)))
    },
  }
}
