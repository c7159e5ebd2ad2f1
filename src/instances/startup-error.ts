import type { InstanceExit } from './types'
import { LambdaError } from '../errors'

/** An instance must be serving this soon after it was started, or it is killed and the start fails. */
export const INIT_TIMEOUT_MS = 30_000

/** Why a start that never connected was given up, as an exit's startup error. */
export const INIT_TIMED_OUT = `it did not connect to the agent within ${INIT_TIMEOUT_MS / 1000} s of its start (a function that blocks while loading, or a custom image that does not serve on $LAMBDA_SOCKET)`

/** What Node prints when V8's heap cap is hit: the process provider's and a container's sign of an OOM. */
export const HEAP_EXHAUSTED = /JavaScript heap out of memory|Reached heap limit/

export function describeExit(exit: InstanceExit): string {
  if (exit.oomKilled) return 'was killed for exceeding its memory limit'
  if (exit.signal) return `was killed by ${exit.signal}`
  return `exited with code ${exit.code}`
}

/** Whose start failed: under `lambda dev` its output is in the terminal, on the agent `lambda logs` has it. */
export interface StartedAs {
  dev?: boolean
  version?: string | number
}

/** Where the output of a start is (what a function prints while loading belongs to no request). */
function loadingOutput(name: string, as: StartedAs): string {
  if (as.dev) return 'the lambda dev terminal, above'
  return `\`lambda logs ${name}${as.version !== undefined && /^\d+$/.test(String(as.version)) ? ` --version ${as.version}` : ''}\``
}

/** The error a caller gets when an instance ends before it is ready. */
export function startFailedError(name: string, exit: InstanceExit, as: StartedAs = {}): LambdaError {
  if (exit.startupError) {
    return new LambdaError({
      code: 'FUNCTION_START_FAILED',
      status: 502,
      message: `Function "${name}" failed to start: ${exit.startupError}`,
      hint: `The function throws while loading (at import time). Fix the error shown (everything it printed while loading: ${loadingOutput(name, as)}); the function is retried on the next request.`,
      data: { function: name },
    })
  }
  if (exit.oomKilled) {
    return new LambdaError({
      code: 'FUNCTION_OUT_OF_MEMORY',
      status: 502,
      message: `Function "${name}" hit its memory limit while starting.`,
      hint: `Raise functions.${name}.memory in lambda.config.ts or use less memory at load time.`,
      data: { function: name },
    })
  }
  return new LambdaError({
    code: 'FUNCTION_START_FAILED',
    status: 502,
    message: `Function "${name}" ${describeExit(exit)} before it was ready to serve.`,
    hint: `See what it printed while loading: ${loadingOutput(name, as)}.`,
    data: { function: name },
  })
}
