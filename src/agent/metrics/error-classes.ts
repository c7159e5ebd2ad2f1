/**
 * Why an invocation failed, one class each: the caller's mistake (4xx), the function's or the agent's
 * answer 5xx (a thrown error answers 500), or the instance ended: crashed, timed out, ran out of memory,
 * or never started. Indexes into the counters of a minute and of the totals.
 */
export const ERROR_CLASSES = ['4xx', '5xx', 'crash', 'timeout', 'outOfMemory', 'startFailed'] as const

export type ErrorClass = typeof ERROR_CLASSES[number]

/** Prometheus label values (snake case, as Prometheus names are). */
export const ERROR_CLASS_LABELS: Record<ErrorClass, string> = {
  '4xx': '4xx',
  '5xx': '5xx',
  'crash': 'crash',
  'timeout': 'timeout',
  'outOfMemory': 'out_of_memory',
  'startFailed': 'start_failed',
}

export const CLIENT_ERROR = 0
const SERVER_ERROR = 1
const CRASH = 2
const TIMEOUT = 3
const OUT_OF_MEMORY = 4
const START_FAILED = 5

/** The class of an invocation's outcome, or -1 for a success. String compares only: the gateway's hot path. */
export function errorClassOf(status: number, error: string | undefined): number {
  if (error !== undefined) {
    if (error === 'FUNCTION_TIMEOUT') return TIMEOUT
    if (error === 'FUNCTION_OUT_OF_MEMORY') return OUT_OF_MEMORY
    if (error === 'FUNCTION_CRASHED') return CRASH
    if (error === 'FUNCTION_START_FAILED' || error === 'FUNCTION_UNAVAILABLE') return START_FAILED
  }
  if (status >= 500) return SERVER_ERROR
  if (status >= 400) return CLIENT_ERROR
  return -1
}

/**
 * A request the gateway retries on the version that replaced a retired one (a switch raced with it):
 * its retry is the invocation that counts.
 */
export const RETRIED_ERROR = 'VERSION_RETIRED'
