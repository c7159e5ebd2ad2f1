import { randomUUID } from 'node:crypto'

/** Per-invocation facts the caller passes in headers; stripped before the function sees the request. */
export const REQUEST_ID_HEADER = 'x-lambda-request-id'
export const DEADLINE_HEADER = 'x-lambda-deadline'

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('./types').RuntimeSettings} settings
 * @returns {import('./types').InvocationContext}
 */
export function createInvocationContext(req, settings) {
  const requestId = String(req.headers[REQUEST_ID_HEADER] || req.headers['x-request-id'] || randomUUID())
  const deadline = Number(req.headers[DEADLINE_HEADER]) || Date.now() + settings.timeoutMs
  /** @type {Promise<unknown>[]} */
  const pending = []
  return {
    requestId,
    functionName: settings.functionName,
    version: settings.version,
    memoryLimitInMB: settings.memory,
    deadline,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    /** Keeps work going after the response, e.g. flushing metrics; failures are logged. */
    /** @param {unknown} promise */
    waitUntil(promise) {
      pending.push(Promise.resolve(promise).catch(error => console.error('[runtime] waitUntil task failed:', error)))
    },
  }
}
