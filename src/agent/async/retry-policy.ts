import type { FunctionCallResult } from '../../proxy/call-function'
import { ASYNC_LIMITS } from './async-limits'

export type AttemptOutcome = 'succeeded' | 'retry' | 'final-error'

/**
 * A crash, a timeout, a function that could not start, a 5xx or a 429 may go better next time: retried.
 * Another 4xx is the function saying the request is wrong; the same request would get the same answer.
 */
export function outcomeOf(result: Pick<FunctionCallResult, 'status' | 'error'>): AttemptOutcome {
  if (result.error || result.status >= 500 || result.status === 429 || result.status === 408) return 'retry'
  return result.status >= 400 ? 'final-error' : 'succeeded'
}

/** Wait before retry `n` (1 for the first retry): 1 s, 2 s, 4 s… up to 5 minutes, with ±10 % jitter so a burst that failed together does not retry together. */
export function backoffMs(n: number, random = Math.random): number {
  const base = Math.min(ASYNC_LIMITS.backoffMaxMs, ASYNC_LIMITS.backoffBaseMs * 2 ** (n - 1))
  return Math.round(base * (0.9 + random() * 0.2))
}
