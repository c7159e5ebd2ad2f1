import { LambdaError } from '../../errors'

/** No Docker API call the agent waits on may hang it: each gets this long unless it says otherwise. */
export const DOCKER_API_TIMEOUT_MS = 30_000

/**
 * Runs one Docker API call with an abort signal; past `ms` it fails with DOCKER_TIMEOUT, also for the
 * few dockerode calls that ignore the signal (their request is then left to finish on its own).
 */
export async function withDockerDeadline<T>(what: string, call: (abortSignal: AbortSignal) => Promise<T>, ms = DOCKER_API_TIMEOUT_MS): Promise<T> {
  const signal = AbortSignal.timeout(ms)
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([
      call(signal),
      new Promise<never>((_, reject) => signal.addEventListener('abort', onAbort = () => reject(signal.reason), { once: true })),
    ])
  }
  catch (error) {
    if (!signal.aborted) throw error
    throw new LambdaError({
      code: 'DOCKER_TIMEOUT',
      status: 503,
      message: `Docker did not answer within ${ms / 1000} s while ${what}.`,
      hint: 'Check the Docker engine (`docker info`, `journalctl -u docker`); the next request tries again.',
      cause: error,
    })
  }
  finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
  }
}
