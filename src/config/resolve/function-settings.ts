import type { FunctionOptions } from '../schema/function-options'
import type { FunctionRuntimeConfig } from '../types'
import { resolveFunctionOptions } from '../schema/function-options'

/**
 * Every runtime setting of a function, each default applied: what the CLI resolves from
 * lambda.config.ts and what the agent completes an uploaded config with, so the two never differ.
 */
export function resolveFunctionSettings(name: string, kind: FunctionRuntimeConfig['kind'], input: FunctionOptions): FunctionRuntimeConfig {
  return { name, kind, ...resolveFunctionOptions(input) }
}
