import { randomUUID } from 'node:crypto'

/** Per-invocation facts an HTTP caller passes in headers; stripped before the function sees the request. */
export const REQUEST_ID_HEADER = 'x-lambda-request-id'
export const DEADLINE_HEADER = 'x-lambda-deadline'

/**
 * @param {string | undefined} requestId from the agent (a frame's head, or a header over HTTP)
 * @param {number | undefined} deadline ms since the epoch
 * @param {import('./types').RuntimeSettings} settings
 * @returns {import('./types').InvocationContext}
 */
export function createInvocationContext(requestId, deadline, settings) {
  const id = requestId || randomUUID()
  const until = deadline || Date.now() + settings.timeoutMs
  /** @type {Promise<unknown>[]} */
  const pending = []
  return {
    requestId: id,
    functionName: settings.functionName,
    version: settings.version,
    memoryLimitInMB: settings.memory,
    deadline: until,
    getRemainingTimeInMillis: () => Math.max(0, until - Date.now()),
    /** Keeps work going after the response, e.g. flushing metrics; failures are logged. */
    /** @param {unknown} promise */
    waitUntil(promise) {
      pending.push(Promise.resolve(promise).catch(error => console.error('[runtime] waitUntil task failed:', error)))
    },
  }
}
