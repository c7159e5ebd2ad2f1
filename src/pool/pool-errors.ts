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
