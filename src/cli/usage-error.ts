import type { LambdaErrorInit } from '../errors'
import { LambdaError } from '../errors'

/** What `lambda` exits with: 0 done, 1 the command failed, 2 the command line was wrong (nothing was done). */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

const usageErrors = new WeakSet<object>()

/**
 * An error in the command line itself (an unknown command or flag, a bad value, arguments that
 * contradict each other), found before anything was done: the CLI exits 2 for it.
 */
export function usageError(init: Omit<LambdaErrorInit, 'status'>): LambdaError {
  const error = new LambdaError({ status: 400, ...init })
  usageErrors.add(error)
  return error
}

/** Runs a check written for the agent's API (a LambdaError) as a check of the command line. */
export function asUsageError<T>(check: () => T): T {
  try {
    return check()
  }
  catch (error) {
    if (!LambdaError.is(error)) throw error
    throw usageError({ code: error.code, message: error.message, hint: error.hint, data: error.data })
  }
}

export function exitCodeOf(error: unknown): number {
  return typeof error === 'object' && error !== null && usageErrors.has(error) ? EXIT_USAGE : EXIT_FAILURE
}
