import type { PoolOptions } from './instance-pool'
import { LambdaError } from '../errors'

/** The pool is draining (a newer version serves): the gateway retries on that one. */
export function versionRetiredError({ name, version }: PoolOptions): LambdaError {
  return new LambdaError({ code: 'VERSION_RETIRED', status: 503, message: `Version ${version} of "${name}" no longer takes requests.`, hint: 'Retry: new requests go to the current version.' })
}

/** A request waited in the queue for its whole timeout. */
export function queueTimeoutError({ name, queueTimeoutMs = 0, maxInstances, concurrency }: PoolOptions): LambdaError {
  return new LambdaError({
    code: 'FUNCTION_TIMEOUT',
    status: 504,
    message: `Function "${name}" got no free instance within its ${queueTimeoutMs / 1000} s timeout (at most ${maxInstances} instance(s) of concurrency ${concurrency}, all busy or still starting).`,
    hint: `Raise functions.${name}.maxInstances or concurrency in lambda.config.ts, or send fewer requests at once.`,
    data: { function: name },
  })
}

export type ShedReason = 'queue-full' | 'wait-too-long' | 'not-ready'

/**
 * A request the queue turns away at once (it could not start in time): 429 while the function serves
 * at capacity, 503 while none of its instances is up yet; `retryAfter` seconds for the Retry-After header.
 */
export function shedError({ name, concurrency, maxInstances }: PoolOptions, reason: ShedReason, detail: { waiting: number, waitMs?: number, maxWaitMs: number, retryAfter: number }): LambdaError {
  const capacity = `at most ${maxInstances} instance(s) of concurrency ${concurrency}`
  const data = { function: name, retryAfter: detail.retryAfter }
  const retry = `Retry after ${detail.retryAfter} s (the Retry-After header)`
  if (reason === 'not-ready') {
    return new LambdaError({
      code: 'FUNCTION_NOT_READY',
      status: 503,
      message: `Function "${name}" has no instance up yet and ${detail.waiting} request(s) already wait for one to start.`,
      hint: `${retry}; if it persists, see why it does not start with \`lambda logs ${name}\`.`,
      data,
    })
  }
  const why = reason === 'queue-full'
    ? `its queue is full (${detail.waiting} request(s) waiting, functions.${name}.queue.maxWaiting)`
    : `${detail.waiting} request(s) wait ahead, about ${((detail.waitMs ?? 0) / 1000).toFixed(1)} s at its current pace, longer than the ${detail.maxWaitMs / 1000} s a request may wait (functions.${name}.queue.maxWait)`
  return new LambdaError({
    code: reason === 'queue-full' ? 'QUEUE_FULL' : 'FUNCTION_THROTTLED',
    status: 429,
    message: `Function "${name}" is at capacity (${capacity}): ${why}.`,
    hint: `${retry}, or send fewer requests at once; to serve more, raise functions.${name}.maxInstances or concurrency in lambda.config.ts.`,
    data,
  })
}

/** The client went away while its request waited: it never starts. */
export function abandonedError({ name }: PoolOptions): LambdaError {
  return new LambdaError({ code: 'CLIENT_CLOSED', status: 499, message: `The client closed the connection while its request to "${name}" waited for a free instance; it was not started.`, data: { function: name } })
}
