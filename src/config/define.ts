import type { LambdaConfig } from './types'

/** Typed identity helper for `lambda.config.ts`. */
export function defineConfig(config: LambdaConfig): LambdaConfig {
  return config
}
