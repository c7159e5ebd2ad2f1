import { readFile, rm } from 'node:fs/promises'
import { LambdaError } from '../errors'
import type { InstanceExit } from './types'

/** The runtime leaves `<socket>.error.json` when the function fails to load. */
export async function readStartupError(socketPath: string): Promise<string | undefined> {
  try {
    const { message, stack } = JSON.parse(await readFile(`${socketPath}.error.json`, 'utf8'))
    await rm(`${socketPath}.error.json`, { force: true })
    return stack || message
  }
  catch {
    return undefined
  }
}

/** What Node prints when V8's heap cap is hit: the process provider's and a container's sign of an OOM. */
export const HEAP_EXHAUSTED = /JavaScript heap out of memory|Reached heap limit/

export function describeExit(exit: InstanceExit): string {
  if (exit.oomKilled) return 'was killed for exceeding its memory limit'
  if (exit.signal) return `was killed by ${exit.signal}`
  return `exited with code ${exit.code}`
}

/** The error a caller gets when an instance ends before it is ready. */
export function startFailedError(name: string, exit: InstanceExit): LambdaError {
  if (exit.startupError) {
    return new LambdaError({
      code: 'FUNCTION_START_FAILED',
      status: 502,
      message: `Function "${name}" failed to start: ${exit.startupError}`,
      hint: 'The function throws while loading (at import time). Fix the error shown; the function is retried on the next request.',
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
    hint: 'Check the function\'s logs for what happened while it loaded.',
    data: { function: name },
  })
}
